pub mod prune;
