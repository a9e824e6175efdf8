//! Writing a Prometheus textfile for node_exporter's textfile collector: the whole file or
//! nothing, never a half-written one that the collector could read.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;

/// Set once doctor's report went into its --textfile, so a run that fails afterwards (a fix
/// that cannot be applied) leaves that report in place rather than a bare failure.
static WRITTEN: AtomicBool = AtomicBool::new(false);

/// Write doctor's exposition to `path` (see [`write_atomically`]).
pub fn write_report(path: &Path, text: &str) -> Result<(), Error> {
    write_atomically(path, text)?;
    WRITTEN.store(true, Ordering::SeqCst);
    Ok(())
}

/// After a doctor run that failed before writing its report: write the failure (success 0 and
/// the time), so monitoring sees that the run failed rather than the last good run's numbers.
pub fn record_failure(path: &Path) -> Result<(), Error> {
    if WRITTEN.load(Ordering::SeqCst) {
        return Ok(());
    }
    use super::run::{RunState, run_exposition};
    let text = run_exposition(
        super::report_prom::RUN_PREFIX,
        "doctor",
        RunState::now(false),
        true,
    );
    write_atomically(path, &text)
}

/// The collector reads only `*.prom` files; another name is written but never scraped.
pub fn name_warning(path: &Path) -> Option<String> {
    let prom = path.extension().is_some_and(|e| e == "prom");
    (!prom).then(|| {
        format!(
            "--textfile {}: node_exporter's textfile collector reads only files ending in .prom; this one will not be scraped",
            crate::text::sanitize(&path.display().to_string())
        )
    })
}

/// Write `text` to `path` atomically: a temporary file in the same directory (its name does
/// not end in .prom, so the collector never reads it), flushed to disk, mode 0644, renamed
/// over `path`, and the directory synced so the rename survives a crash.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let shown = crate::text::sanitize(&path.display().to_string());
    let fail = |e: std::io::Error| Error::Io(format!("cannot write the textfile {shown}: {e}"));
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".celtool-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_whole_file_with_mode_0644_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("celtool.prom");
        std::fs::write(&path, "old\n").unwrap();
        write_atomically(&path, "celtool_doctor_success 1\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "celtool_doctor_success 1\n"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("celtool.prom")]);
        let e = write_atomically(&dir.path().join("no/such/dir.prom"), "x").unwrap_err();
        assert!(
            e.to_string().starts_with("cannot write the textfile "),
            "{e}"
        );
    }

    #[test]
    fn warns_about_names_the_collector_skips() {
        assert!(name_warning(Path::new("/x/celtool.prom")).is_none());
        assert!(
            name_warning(Path::new("/x/celtool.txt"))
                .unwrap()
                .contains("only files ending in .prom")
        );
    }
}
