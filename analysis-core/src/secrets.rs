//! Secret-backed arguments (`valueFrom.secretKeyRef`) and masking. STUB: owned by the
//! foundation helper.

/// Where secret values come from. Implementations: [`NoSecrets`], [`MapSecrets`] here, and a
/// Kubernetes-mount-style directory reader in the `providers` crate.
pub trait SecretSource: Send + Sync {
    /// Errors read like Argo's: `secrets "<name>" not found`,
    /// `key '<key>' does not exist in secret '<name>'`.
    fn get(&self, name: &str, key: &str) -> Result<String, String>;
}

/// No secrets at all: every lookup fails with `secrets "<name>" not found`.
pub struct NoSecrets;

impl SecretSource for NoSecrets {
    fn get(&self, name: &str, _key: &str) -> Result<String, String> {
        Err(format!("secrets \"{name}\" not found"))
    }
}

/// Secrets held in memory, keyed by (secret name, key).
#[derive(Default)]
pub struct MapSecrets(pub std::collections::BTreeMap<(String, String), String>);

impl SecretSource for MapSecrets {
    fn get(&self, name: &str, key: &str) -> Result<String, String> {
        if !self.0.keys().any(|(n, _)| n == name) {
            return Err(format!("secrets \"{name}\" not found"));
        }
        self.0
            .get(&(name.to_string(), key.to_string()))
            .cloned()
            .ok_or_else(|| format!("key '{key}' does not exist in secret '{name}'"))
    }
}

/// Replaces every occurrence of each secret value with `*****`.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s.as_str(), "*****");
    }
    out
}

/// STUB (foundation helper replaces): secrets mounted as `<dir>/<secret-name>/<key>`.
pub struct DirSecrets(std::path::PathBuf);

impl DirSecrets {
    pub fn new(dir: impl Into<std::path::PathBuf>) -> DirSecrets {
        DirSecrets(dir.into())
    }
}

impl SecretSource for DirSecrets {
    fn get(&self, name: &str, key: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(name).join(key))
            .map_err(|_| format!("secrets \"{name}\" not found"))
    }
}
