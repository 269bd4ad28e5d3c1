//! The service's operations, shared by the HTTP and gRPC front ends so both behave the same;
//! handlers only translate requests and responses.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use analysis_core::args::{ArgsError, RunRequest, build_run_from, resolve_template_refs};
use analysis_core::duration::parse_duration;
use analysis_core::lint;
use analysis_core::secrets::SecretError;
use analysis_core::validate::{PreflightError, preflight};
use analysis_core::{AnalysisRun, AnalysisTemplate, Argument, Metric, Phase};

use super::core::Core;
use super::error::ApiError;
use super::registry::{Snapshot, Unreadable};
use super::scheduler::SchedulerHandle;

/// The service's operations over its store, providers and scheduler.
pub struct Service {
    /// What the scheduler and the front ends share.
    pub core: Arc<Core>,
    /// Drives the active runs.
    pub scheduler: SchedulerHandle,
}

/// A request to create a run.
#[derive(Debug)]
pub enum CreateRun {
    /// A full AnalysisRun manifest.
    Manifest(Box<AnalysisRun>),
    /// A run built from a loaded template (and the templates it references).
    FromTemplate {
        /// The new run's name.
        name: String,
        /// The stored template to build it from.
        template: String,
        /// Values for the templates' args.
        args: Vec<Argument>,
    },
}

/// Where a run's templates come from.
#[derive(Debug)]
pub enum TemplateSource {
    /// A stored template, by name.
    Named(String),
    /// A template sent with the request; its `spec.templates` refer to stored ones.
    Inline(Box<AnalysisTemplate>),
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FromTemplateBody {
    name: String,
    template_ref: NameRef,
    #[serde(default)]
    args: Vec<Argument>,
}

/// `{"name": ...}`: a reference to a stored object by name.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRef {
    /// The referenced object's name.
    pub name: String,
}

impl CreateRun {
    /// Reads either body shape `POST /api/v1/analysisruns` accepts (also gRPC's manifest).
    pub fn parse(
        text: &str,
        yaml: bool,
        fields: &mut super::body::FieldCheck,
    ) -> Result<CreateRun, ApiError> {
        let value = super::body::parse_document(text.as_bytes(), yaml)?;
        if !value.is_object() {
            return Err(ApiError::BadRequest(
                "expected an AnalysisRun manifest or {\"name\", \"templateRef\", \"args\"}".into(),
            ));
        }
        if value.get("templateRef").is_some() {
            let b: FromTemplateBody = super::body::decode(value, "request")?;
            return Ok(CreateRun::FromTemplate {
                name: b.name,
                template: b.template_ref.name,
                args: b.args,
            });
        }
        if let Some(kind) = value.get("kind").and_then(|k| k.as_str())
            && kind != "AnalysisRun"
        {
            return Err(ApiError::BadRequest(format!(
                "kind: expected AnalysisRun, got {kind:?}"
            )));
        }
        let run = super::body::load_run(text, yaml, fields)?;
        Ok(CreateRun::Manifest(Box::new(run)))
    }
}

/// Kubernetes object names (DNS-1123 subdomains): they end up in URLs and metric labels.
pub fn check_name(field: &str, name: &str) -> Result<(), ApiError> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if name.is_empty() {
        return Err(ApiError::BadRequest(format!("{field}: a name is required")));
    }
    if name.len() > 253
        || !name.chars().all(ok_char)
        || !edge(name.chars().next())
        || !edge(name.chars().last())
    {
        return Err(ApiError::BadRequest(format!(
            "{field}: {name:?} is not a valid name: at most 253 lowercase letters, digits, '-' \
             and '.', starting and ending with a letter or digit"
        )));
    }
    Ok(())
}

/// A fresh suffix for `metadata.generateName`, as Kubernetes appends five characters.
fn generated_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_i64(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0));
    let mut n = h.finish();
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| {
            let c = ALPHABET.get((n % ALPHABET.len() as u64) as usize).copied();
            n /= ALPHABET.len() as u64;
            char::from(c.unwrap_or(b'x'))
        })
        .collect()
}

/// What the service accepts at submission (`augur serve` flags).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `--min-interval`: a metric measured more often than this is refused (one
    /// `interval: 0s` run wrote 8 MB of WAL in 20 s).
    pub min_interval: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            min_interval: Duration::from_secs(1),
        }
    }
}

/// Checks what can be checked before the first pass: metrics exist and are named, every
/// argument has a value or a source, the spec passes the engine's own [`preflight`] (secrets
/// take Argo's placeholder; nothing is read), no interval is under `--min-interval`, `augur
/// lint` finds no error (same message, after the field) and metrics connect only to allowed
/// hosts.
pub fn validate_run(run: &AnalysisRun, core: &Core) -> Result<(), ApiError> {
    if run.spec.metrics.is_empty() {
        return Err(ApiError::BadRequest(
            "spec.metrics: no metrics specified".into(),
        ));
    }
    for (i, m) in run.spec.metrics.iter().enumerate() {
        if m.name.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "spec.metrics[{i}].name: a name is required"
            )));
        }
    }
    for (i, a) in run.spec.args.iter().enumerate() {
        if a.value.is_none() && a.value_from.is_none() {
            return Err(ApiError::BadRequest(format!(
                "spec.args[{i}]: argument \"{}\" was not supplied",
                a.name
            )));
        }
    }
    let prepared = match preflight(&run.spec) {
        Ok(p) => Some(p),
        // A `fieldRef` arg has no value until a Rollout resolves it; the run says so itself.
        Err(PreflightError::Args(ArgsError::NotSupplied { .. })) => None,
        Err(e) => return Err(ApiError::BadRequest(preflight_message(&e))),
    };
    let metrics = prepared.as_ref().map_or(&run.spec.metrics, |p| &p.metrics);
    check_intervals(metrics, core.limits.min_interval)?;
    check_lint(&lint::lint_run(run, providers::specs()))?;
    super::allow::check_hosts(
        core.allow_hosts.as_deref(),
        &run.spec.metrics,
        &run.spec.args,
    )
}

/// The checks [`validate_run`] makes that apply to a template sent over the API: intervals
/// (those not left to args) and lint errors.
pub fn validate_template(template: &AnalysisTemplate, core: &Core) -> Result<(), ApiError> {
    check_intervals(&template.spec.metrics, core.limits.min_interval)?;
    check_lint(&lint::lint_template(template, providers::specs()))
}

/// Refuses an interval under `min`; an interval that does not parse (still templated, or
/// invalid, which lint reports) is left alone here.
fn check_intervals(metrics: &[Metric], min: Duration) -> Result<(), ApiError> {
    for (i, m) in metrics.iter().enumerate() {
        let Some(text) = m.interval.as_deref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let Ok(interval) = parse_duration(text) else {
            continue;
        };
        if interval.to_std().map_or(true, |d| d < min) {
            return Err(ApiError::BadRequest(format!(
                "spec.metrics[{i}].interval: {text} is shorter than this server's minimum \
                 interval {} (--min-interval)",
                go_duration(min)
            )));
        }
    }
    Ok(())
}

/// A duration as Go prints it (`1s`, `500ms`, `1m30s`), for messages naming the minimum.
fn go_duration(d: Duration) -> String {
    let d = chrono::Duration::from_std(d).unwrap_or_default();
    analysis_core::duration::format_duration(d)
}

/// The first lint error, as `augur lint` words it, after the field it is about. Args are
/// checked above (a `fieldRef` arg is accepted on purpose); warnings never refuse a run.
fn check_lint(findings: &[lint::Diagnostic]) -> Result<(), ApiError> {
    let error = findings
        .iter()
        .filter(|d| d.severity == lint::Severity::Error)
        .find(|d| !d.path.starts_with("spec.args"));
    match error {
        None => Ok(()),
        Some(d) if d.path.is_empty() => Err(ApiError::BadRequest(d.message.clone())),
        Some(d) => Err(ApiError::BadRequest(format!("{}: {}", d.path, d.message))),
    }
}

/// What GET, POST and the list say about a run whose row no longer decodes.
fn unreadable_message(bad: &Unreadable) -> String {
    format!(
        "AnalysisRun \"{}\" is stored but cannot be read ({})",
        bad.name, bad.reason
    )
}

/// Where a requested run's spec differs from the existing run's (`spec.args[0].value`), or
/// `None` when it asks for the same run. `spec.terminate` is an operation on the run, not
/// part of what was asked for, so it is left out.
fn spec_difference(existing: &AnalysisRun, requested: &AnalysisRun) -> Option<String> {
    let plain = |run: &AnalysisRun| {
        let mut spec = run.spec.clone();
        spec.terminate = false;
        serde_json::to_value(spec).unwrap_or(serde_json::Value::Null)
    };
    if existing.spec == requested.spec {
        return None;
    }
    super::diff::first_difference(&plain(existing), &plain(requested), "spec")
}

/// A preflight error as the API reports it: the field path under `spec`, then the reason.
fn preflight_message(e: &PreflightError) -> String {
    match e {
        PreflightError::Secret(SecretError::Ref(r)) => format!("spec.{}: {}", r.path(), r.reason()),
        PreflightError::Secret(e) => format!("spec.args: {e}"),
        PreflightError::Args(e) => format!("spec: {e}"),
        PreflightError::Invalid(e) => match e.path() {
            path if path.is_empty() => format!("spec: {}", e.reason()),
            path => format!("spec.{path}: {}", e.reason()),
        },
    }
}

impl Service {
    /// A service over `store` whose runs measure through `providers`; starts its scheduler
    /// (call from within a tokio runtime). Runs already in the store are not driven until
    /// the caller claims them ([`super::store::Store::claim_runs`], as `augur serve` does).
    pub fn new(
        store: Arc<dyn super::store::Store>,
        providers: providers::Providers,
        secrets: Arc<dyn analysis_core::secrets::SecretSource>,
        allow_hosts: Option<Vec<String>>,
    ) -> Service {
        Service::with_limits(store, providers, secrets, allow_hosts, Limits::default())
    }

    /// [`Service::new`] with submission limits other than the defaults.
    pub fn with_limits(
        store: Arc<dyn super::store::Store>,
        providers: providers::Providers,
        secrets: Arc<dyn analysis_core::secrets::SecretSource>,
        allow_hosts: Option<Vec<String>>,
        limits: Limits,
    ) -> Service {
        let mut core = Core::new(store, providers, secrets, allow_hosts);
        core.limits = limits;
        let core = Arc::new(core);
        let scheduler = super::scheduler::spawn(core.clone());
        let watched = core.watched.clone();
        tokio::spawn(async move { watched.probe_while_unhealthy().await });
        Service { core, scheduler }
    }

    fn ensure_accepting(&self) -> Result<(), ApiError> {
        if self.core.accepting() {
            Ok(())
        } else {
            Err(ApiError::Unavailable("the service is shutting down"))
        }
    }

    /// Creates a run and starts it. With `existing_ok`, a run of the same name is returned
    /// instead of a 409 (so a retried create is idempotent). `bool` says whether it is new.
    pub async fn create_run(
        &self,
        req: CreateRun,
        existing_ok: bool,
    ) -> Result<(Arc<Snapshot>, bool), ApiError> {
        self.ensure_accepting()?;
        let mut run = match req {
            CreateRun::Manifest(run) => *run,
            CreateRun::FromTemplate {
                name,
                template,
                args,
            } => {
                check_name("name", &name)?;
                self.build_run(&name, TemplateSource::Named(template), &args)
                    .await
                    .map_err(|e| match e {
                        ApiError::NotFound(m) => {
                            ApiError::BadRequest(format!("templateRef.name: {m}"))
                        }
                        other => other,
                    })?
            }
        };
        if run.metadata.name.as_deref().unwrap_or("").is_empty() {
            match run.metadata.generate_name.as_deref() {
                Some(prefix) if !prefix.is_empty() => {
                    run.metadata.name = Some(format!("{prefix}{}", generated_suffix()));
                }
                _ => {
                    return Err(ApiError::BadRequest(
                        "metadata.name: a name (or metadata.generateName) is required".into(),
                    ));
                }
            }
        }
        let name = run.metadata.name.clone().unwrap_or_default();
        check_name("metadata.name", &name)?;
        run.api_version
            .get_or_insert_with(|| "argoproj.io/v1alpha1".into());
        run.kind.get_or_insert_with(|| "AnalysisRun".into());
        // A submitted status is not trusted: every run starts from its first pass.
        run.status = None;
        validate_run(&run, &self.core)?;

        if let Some(existing) = self.core.registry.get(&name) {
            if !existing_ok {
                return Err(ApiError::Conflict(format!(
                    "an AnalysisRun named \"{name}\" already exists"
                )));
            }
            // A retry must not get the verdict of a run that measured something else.
            return match spec_difference(&existing.spec, &run) {
                None => Ok((existing, false)),
                Some(path) => Err(ApiError::Conflict(format!(
                    "an AnalysisRun named \"{name}\" already exists with a different spec: \
                     {path} differs"
                ))),
            };
        }
        if let Some(bad) = self.core.registry.unreadable(&name) {
            return Err(ApiError::Conflict(format!(
                "{}; DELETE it to reuse the name",
                unreadable_message(&bad)
            )));
        }
        let inserted = self.core.store.insert_run(&run).await?;
        let id = inserted.id;
        let snap = Snapshot::new(id, run.clone(), false, self.core.secrets.as_ref());
        if !self.core.registry.insert(snap) {
            // Lost a race with a concurrent create of the same name that the store accepted
            // first; this can only happen for a just-deleted name. Undo ours.
            let _ = self.core.store.delete_run(id).await;
            return Err(ApiError::Conflict(format!(
                "an AnalysisRun named \"{name}\" already exists"
            )));
        }
        if !self.scheduler.add(id, inserted.lease, run) {
            return Err(ApiError::Unavailable("the scheduler has stopped"));
        }
        let snap = self
            .core
            .registry
            .get(&name)
            .ok_or_else(|| ApiError::run_not_found(&name))?;
        Ok((snap, true))
    }

    /// The run as last committed; 404 when there is none.
    pub fn get_run(&self, name: &str) -> Result<Arc<Snapshot>, ApiError> {
        self.core
            .registry
            .get(name)
            .ok_or_else(|| self.missing(name))
    }

    /// Why `name` is not a run to show: stored but unreadable (422), or unknown (404).
    fn missing(&self, name: &str) -> ApiError {
        match self.core.registry.unreadable(name) {
            Some(bad) => ApiError::Unreadable(format!(
                "{}; DELETE it to remove it",
                unreadable_message(&bad)
            )),
            None => ApiError::run_not_found(name),
        }
    }

    /// Stored runs that no longer decode, by name (listed beside the runs, never as runs).
    pub fn unreadable_runs(&self) -> Vec<Unreadable> {
        self.core.registry.list_unreadable()
    }

    /// Every run, oldest first, optionally only those in `phase` (a 400 when it is not a phase).
    pub fn list_runs(&self, phase: Option<&str>) -> Result<Vec<Arc<Snapshot>>, ApiError> {
        if let Some(p) = phase
            && Phase::parse(p).is_none()
        {
            return Err(ApiError::BadRequest(format!(
                "phase: {p:?} is not one of Pending, Running, Successful, Failed, Error, Inconclusive"
            )));
        }
        Ok(self.core.registry.list(phase))
    }

    /// Sets `spec.terminate` (committed first) and waits for the terminating pass.
    pub async fn terminate_run(&self, name: &str) -> Result<Arc<Snapshot>, ApiError> {
        let snap = self.get_run(name)?;
        if snap.completed {
            return Ok(snap);
        }
        let mut run = (*snap.spec).clone();
        run.spec.terminate = true;
        if !self.core.store.update_spec(snap.id, &run).await? {
            return Err(ApiError::run_not_found(name));
        }
        self.scheduler.terminate(snap.id).await;
        self.get_run(name)
    }

    /// Deletes the run and its measurements and stops scheduling it.
    pub async fn delete_run(&self, name: &str) -> Result<(), ApiError> {
        if let Some(bad) = self.core.registry.unreadable(name) {
            self.core.store.delete_run(bad.id).await?;
            self.core.registry.remove_unreadable(name);
            return Ok(());
        }
        let snap = self.get_run(name)?;
        self.core.store.delete_run(snap.id).await?;
        self.scheduler.remove(snap.id);
        self.core.registry.remove(name);
        self.core.metrics.forget_run(name);
        Ok(())
    }

    /// A run's whole measurement history from the store (status keeps only the newest).
    pub async fn measurements(
        &self,
        name: &str,
    ) -> Result<Vec<(String, analysis_core::Measurement)>, ApiError> {
        let snap = self.get_run(name)?;
        Ok(self.core.store.measurements(snap.id).await?)
    }

    /// The run once it completes, or as it is when `timeout` passes.
    pub async fn wait_completed(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let mut rx = self
            .core
            .registry
            .subscribe(name)
            .ok_or_else(|| self.missing(name))?;
        let _ = tokio::time::timeout(timeout, rx.wait_for(|s| s.completed)).await;
        self.get_run(name)
    }

    /// Stores a template; `source` is `api` or `dir` (`--templates`). Only templates sent over
    /// the API are held to `--allow-host` here: the operator's own directory is trusted.
    pub async fn put_template(
        &self,
        name: &str,
        mut template: AnalysisTemplate,
        source: &'static str,
    ) -> Result<bool, ApiError> {
        check_name("name", name)?;
        match template.metadata.name.as_deref() {
            Some(n) if n != name => {
                return Err(ApiError::BadRequest(format!(
                    "metadata.name: {n:?} does not match the name in the path {name:?}"
                )));
            }
            _ => template.metadata.name = Some(name.to_string()),
        }
        if template.spec.metrics.is_empty() && template.spec.templates.is_empty() {
            return Err(ApiError::BadRequest(
                "spec.metrics: no metrics specified".into(),
            ));
        }
        if source == "api" {
            validate_template(&template, &self.core)?;
            super::allow::check_hosts(
                self.core.allow_hosts.as_deref(),
                &template.spec.metrics,
                &template.spec.args,
            )?;
        }
        let existed = self.core.store.get_template(name).await?.is_some();
        self.core
            .store
            .put_template(name, &template, source)
            .await?;
        Ok(!existed)
    }

    /// A stored template; 404 when there is none.
    pub async fn get_template(&self, name: &str) -> Result<AnalysisTemplate, ApiError> {
        self.core
            .store
            .get_template(name)
            .await?
            .ok_or_else(|| ApiError::template_not_found(name))
    }

    /// Deletes a stored template; runs already built from it keep their copy.
    pub async fn delete_template(&self, name: &str) -> Result<(), ApiError> {
        if self.core.store.delete_template(name).await? {
            Ok(())
        } else {
            Err(ApiError::template_not_found(name))
        }
    }

    /// Every stored template.
    pub async fn list_templates(&self) -> Result<Vec<AnalysisTemplate>, ApiError> {
        Ok(self.core.store.list_templates().await?)
    }

    /// Builds a run from a template and every template it references (`spec.templates[]`),
    /// resolved against the stored templates as Argo's controller does, with the caller's
    /// args (those no template declares are dropped, per Argo). An unknown named template is
    /// a 404; a bad reference or arg is a 400.
    pub async fn build_run(
        &self,
        name: &str,
        source: TemplateSource,
        args: &[Argument],
    ) -> Result<AnalysisRun, ApiError> {
        let stored = self.list_templates().await?;
        let root: &AnalysisTemplate = match &source {
            TemplateSource::Named(n) => stored
                .iter()
                .find(|t| t.metadata.name.as_deref() == Some(n.as_str()))
                .ok_or_else(|| ApiError::template_not_found(n))?,
            TemplateSource::Inline(t) => t,
        };
        let (mut namespaced, mut cluster) = resolve_template_refs(&root.spec.templates, &stored)
            .map_err(|e| ApiError::BadRequest(format!("spec.templates: {e}")))?;
        let same =
            |t: &&AnalysisTemplate| t.metadata.name == root.metadata.name && t.kind == root.kind;
        namespaced.retain(|t| !same(t));
        cluster.retain(|t| !same(t));
        if root.kind.as_deref() == Some("ClusterAnalysisTemplate") {
            cluster.insert(0, root);
        } else {
            namespaced.insert(0, root);
        }
        let request = RunRequest {
            args,
            ..RunRequest::default()
        };
        build_run_from(name, &namespaced, &cluster, request)
            .map_err(|e| ApiError::BadRequest(format!("args: {e}")))
    }
}
