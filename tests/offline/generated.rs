//! The committed completions and man pages match what the binary generates.

use crate::replay::{celtool, repo_root, run};

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let root = repo_root();
    let regenerate = std::env::var_os("CELTOOL_REGENERATE").is_some();
    let mut stale = Vec::new();
    for (rel, content) in celtool::commands::generate::files().unwrap() {
        let path = root.join(&rel);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &content).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&content[..]) {
            stale.push(rel.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}; run: CELTOOL_REGENERATE=1 cargo test --test offline completions_and_man"
    );
    let r = run(celtool().args(["completions", "bash"]));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("_celtool()"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
}
