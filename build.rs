//! Release builds for x86_64 Linux link the functions that celtool's common runs execute
//! together, in front of the rest of the code, from the list in `link/symbol-order.txt` (made
//! by `scripts/symbol-order.sh` from callgrind runs of the release binary).
//!
//! The kernel maps a program's code into memory in 64 KiB blocks as it is first executed
//! ("fault-around"), and counts them in its resident memory. A run of `doctor` executes about
//! a tenth of celtool's 10 MB of code, but spread over all of it; grouped, the same run maps a
//! fraction of the pages (BENCHMARKS.md, section 2). The list names mangled
//! symbols, whose hashes change with the dependencies' versions and celtool's own version: a
//! symbol the list names and the build lacks is skipped, so a stale list costs memory, never
//! a failed build.
//!
//! Only rustc's own linker for this target (rust-lld, the default from Rust 1.90) knows the
//! option: with another linker configured (`RUSTC_LINKER`, or linker flags in RUSTFLAGS), an
//! older rustc, another target or profile, or `CELTOOL_NO_SYMBOL_ORDER` set, nothing is added.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link/symbol-order.txt");
    println!("cargo:rerun-if-env-changed=CELTOOL_NO_SYMBOL_ORDER");
    let wanted = env::var("PROFILE").as_deref() == Ok("release")
        && env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu")
        && env::var_os("CELTOOL_NO_SYMBOL_ORDER").is_none()
        && env::var_os("RUSTC_LINKER").is_none()
        && links_with_rust_lld();
    let Ok(dir) = env::var("CARGO_MANIFEST_DIR") else {
        return;
    };
    let order = Path::new(&dir).join("link").join("symbol-order.txt");
    if wanted && order.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// rustc 1.90 or later, with no linker chosen in RUSTFLAGS: it links this target with its own
/// rust-lld.
fn links_with_rust_lld() -> bool {
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags.contains("linker") || flags.contains("link-self-contained") {
        return false;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let text = String::from_utf8_lossy(&out.stdout);
    let mut version = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse::<u32>().ok());
    matches!(
        (version.next(), version.next()),
        (Some(Some(1)), Some(Some(minor))) if minor >= 90
    )
}
