//! Checks on a profile's password_file: one that group or others can read is a warning (like
//! ssh with a private key), an empty one an error naming the file, not a 401 later.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The warning for a password file that group or others may read, naming the fix.
pub fn mode_warning(path: &Path, profile: &str) -> Option<String> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o044 != 0).then(|| {
        let shown = crate::text::sanitize(&path.display().to_string());
        format!(
            "password_file {shown} of profile '{profile}' is readable by {} (mode {:04o}); restrict it: chmod 600 {shown}",
            match (mode & 0o040 != 0, mode & 0o004 != 0) {
                (true, true) => "group and others",
                (true, false) => "its group",
                _ => "others",
            },
            mode & 0o7777
        )
    })
}

/// Why a password read from a file cannot be right, if it cannot.
pub fn empty_reason(password: &str) -> Option<&'static str> {
    password.is_empty().then_some(
        "its first line is empty; put the password on the first line (printf '%s\\n' PASSWORD > FILE)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_or_world_readable_files_draw_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "secret\n").unwrap();
        for (mode, expect) in [
            (0o600, None),
            (0o400, None),
            (0o640, Some("readable by its group (mode 0640)")),
            (0o644, Some("readable by group and others (mode 0644)")),
            (0o604, Some("readable by others (mode 0604)")),
        ] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let w = mode_warning(&path, "prod");
            match expect {
                None => assert_eq!(w, None, "{mode:o}"),
                Some(text) => {
                    let w = w.unwrap();
                    assert!(
                        w.contains(text) && w.ends_with(&format!("chmod 600 {}", path.display())),
                        "{w}"
                    );
                }
            }
        }
        assert_eq!(empty_reason("x"), None);
        assert!(empty_reason("").is_some());
    }
}
