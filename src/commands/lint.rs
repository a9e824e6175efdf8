//! `celtool lint PATH...`: read the files (walking directories), hand their texts to the
//! engine (`crate::lint`), print the report. The only I/O is reading files.

use std::path::{Path, PathBuf};

use crate::cli::LintArgs;
use crate::error::{Error, Outcome};
use crate::lint::Input;
use crate::output::Printer;
use crate::output::lint::render;

/// Directories never walked into: version control, environments, caches, build output.
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "target",
    "dist",
    "build",
];

/// Larger files are not configuration.
const MAX_BYTES: u64 = 4 << 20;

/// The kinds of file lint reads, by name.
fn wanted(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".py", ".yml", ".yaml", ".service", ".env", ".j2", ".jinja", ".jinja2",
    ]
    .iter()
    .any(|e| lower.ends_with(e))
        || name == "Procfile"
        || name.starts_with("Procfile.")
}

fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes, more than configuration holds",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Every file under `dir`, sorted, without following symlinks or entering SKIP_DIRS.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<(PathBuf, String)>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                errors.push((d.clone(), e.to_string()));
                continue;
            }
        };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names.into_iter().rev() {
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if meta.is_dir() {
                if !SKIP_DIRS.contains(&name.as_str()) {
                    stack.push(p);
                }
            } else if meta.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
}

fn display(p: &Path) -> String {
    p.to_string_lossy().to_string()
}

/// The inputs for `paths`: named files as they are, directories walked. A unit's
/// EnvironmentFile found under a walked directory by its name is read too.
pub fn inputs(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut found: Vec<PathBuf> = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut errors = Vec::new();
            walk(path, &mut found, &mut errors);
            for (d, why) in errors {
                out.push(Input {
                    path: display(&d),
                    text: Err(why),
                    explicit: true,
                });
            }
        } else {
            out.push(Input {
                path: display(path),
                text: read(path),
                explicit: true,
            });
        }
    }
    let mut units: Vec<String> = out.iter().filter_map(|i| i.text.clone().ok()).collect();
    units.extend(
        found
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "service"))
            .filter_map(|p| std::fs::read_to_string(p).ok()),
    );
    let env_files: Vec<String> = units
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(|l| l.trim().strip_prefix("EnvironmentFile="))
        .filter_map(|v| v.trim().trim_start_matches('-').rsplit('/').next())
        .map(str::to_string)
        .collect();
    for p in found {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if wanted(&name) || env_files.contains(&name) {
            out.push(Input {
                path: display(&p),
                text: read(&p),
                explicit: false,
            });
        }
    }
    out
}

pub fn run(p: &Printer, args: &LintArgs) -> Result<Outcome, Error> {
    let mut report = crate::lint::lint(&inputs(&args.paths));
    report.skip(&args.skip);
    if !(p.style.quiet && p.style.format == crate::output::Format::Table) {
        p.out(&render(&p.style, &report, args.all))?;
    }
    Ok(Outcome::Checked(report.status()))
}
