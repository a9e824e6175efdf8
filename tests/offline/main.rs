//! Tests that need no broker: the broker checks and listings against management-API answers
//! recorded from real RabbitMQ nodes (tests/fixtures/api, re-recorded by tests/it/record.rs) and
//! replayed by an in-process server that fails the test when celtool asks for something not
//! recorded or leaves a recorded answer unread (replay.rs), the catalog, and the generated
//! files. They pass with RabbitMQ stopped.

mod broker_states;
mod cannot_check;
mod cli_help;
mod contrib;
mod formats;
mod generated;
mod layers;
mod lint;
mod probe;
mod rabbitmq4;
mod replay;
mod safety;
mod scenarios;
mod tables;
mod tls;
