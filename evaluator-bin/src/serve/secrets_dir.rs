//! Secrets read from a Kubernetes-style mount: `<dir>/<secret name>/<key>`.
//!
//! TODO(merge): replace with the library's `DirSecrets` once it lands (same layout).

use std::path::PathBuf;

use analysis_core::secrets::SecretSource;

pub struct DirSecrets {
    dir: PathBuf,
}

impl DirSecrets {
    pub fn new(dir: PathBuf) -> DirSecrets {
        DirSecrets { dir }
    }
}

/// A secret or key name must be one path component, so a manifest cannot read outside the
/// directory (`../../etc/passwd`).
fn safe(component: &str) -> bool {
    !component.is_empty()
        && component != "."
        && component != ".."
        && !component.contains(['/', '\\', '\0'])
}

impl SecretSource for DirSecrets {
    fn get(&self, name: &str, key: &str) -> Result<String, String> {
        let not_found = || format!("secrets \"{name}\" not found");
        if !safe(name) {
            return Err(not_found());
        }
        let secret_dir = self.dir.join(name);
        if !secret_dir.is_dir() {
            return Err(not_found());
        }
        let missing_key = || format!("key '{key}' does not exist in secret '{name}'");
        if !safe(key) {
            return Err(missing_key());
        }
        std::fs::read_to_string(secret_dir.join(key)).map_err(|_| missing_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_and_refuses_to_leave_the_directory() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("db"))?;
        std::fs::write(dir.path().join("db").join("password"), "hunter2")?;
        let s = DirSecrets::new(dir.path().to_path_buf());
        assert_eq!(s.get("db", "password"), Ok("hunter2".to_string()));
        assert_eq!(
            s.get("db", "user"),
            Err("key 'user' does not exist in secret 'db'".to_string())
        );
        assert_eq!(
            s.get("nope", "k"),
            Err("secrets \"nope\" not found".to_string())
        );
        assert!(s.get("..", "etc").is_err());
        assert!(s.get("db", "../db/password").is_err());
        Ok(())
    }
}
