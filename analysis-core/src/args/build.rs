//! Building an `AnalysisRun` from templates and caller args, as a Rollout or Experiment does
//! (`utils/analysis/helpers.go`): flatten templates, merge args, concatenate dry-run and
//! retention rules, with Argo's error texts and ordering.

use std::collections::BTreeSet;

use super::ArgsError;
use crate::model::{
    AnalysisRun, AnalysisTemplate, AnalysisTemplateSpec, Argument, DryRun, MeasurementRetention,
    TemplateRef,
};
use crate::validate::RuleList;

/// What the caller (a Rollout step, an Experiment, the CLI) adds to the templates.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunRequest<'a> {
    /// Override template args by name; args the templates do not declare are dropped.
    pub args: &'a [Argument],
    /// Placed before the templates' rules.
    pub dry_run: &'a [DryRun],
    /// Placed before the templates' rules.
    pub measurement_retention: &'a [MeasurementRetention],
}

fn is_cluster(t: &AnalysisTemplate) -> bool {
    t.kind.as_deref() == Some("ClusterAnalysisTemplate")
}

/// Builds a run from templates given in any order (namespaced ones are taken first, then
/// `ClusterAnalysisTemplate`s, as Argo does) and caller args.
pub fn build_run(
    name: &str,
    templates: &[&AnalysisTemplate],
    args: &[Argument],
) -> Result<AnalysisRun, ArgsError> {
    let (cluster, namespaced): (Vec<&AnalysisTemplate>, Vec<&AnalysisTemplate>) =
        templates.iter().copied().partition(|t| is_cluster(t));
    build_run_from(
        name,
        &namespaced,
        &cluster,
        RunRequest {
            args,
            ..RunRequest::default()
        },
    )
}

/// Argo's `NewAnalysisRunFromTemplates`. Errors, in Argo's order: duplicate metric names,
/// duplicate dry-run / retention rules within the templates, conflicting template arg values,
/// `args.<name> was not resolved`, then duplicate rules after adding the caller's.
pub fn build_run_from(
    name: &str,
    templates: &[&AnalysisTemplate],
    cluster_templates: &[&AnalysisTemplate],
    request: RunRequest<'_>,
) -> Result<AnalysisRun, ArgsError> {
    let spec = flatten_templates(templates, cluster_templates)?;
    let args = merge_args(request.args, &spec.args)?;
    let dry_run: Vec<DryRun> = request
        .dry_run
        .iter()
        .chain(&spec.dry_run)
        .cloned()
        .collect();
    unique_rules(dry_run.iter().map(|r| &r.metric_name), RuleList::DryRun)?;
    let measurement_retention: Vec<MeasurementRetention> = request
        .measurement_retention
        .iter()
        .chain(&spec.measurement_retention)
        .cloned()
        .collect();
    unique_rules(
        measurement_retention.iter().map(|r| &r.metric_name),
        RuleList::MeasurementRetention,
    )?;
    let mut run = AnalysisRun {
        api_version: Some("argoproj.io/v1alpha1".to_string()),
        kind: Some("AnalysisRun".to_string()),
        ..AnalysisRun::default()
    };
    run.metadata.name = Some(name.to_string());
    run.spec.metrics = spec.metrics;
    run.spec.args = args;
    run.spec.dry_run = dry_run;
    run.spec.measurement_retention = measurement_retention;
    Ok(run)
}

fn unique_rules<'a>(
    names: impl Iterator<Item = &'a String>,
    list: RuleList,
) -> Result<(), ArgsError> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(ArgsError::DuplicateRule {
                list,
                metric_name: n.clone(),
            });
        }
    }
    Ok(())
}

/// Argo's `FlattenTemplates`: metrics, dry-run and retention rules concatenated (namespaced
/// templates first) and args merged by name.
pub fn flatten_templates(
    templates: &[&AnalysisTemplate],
    cluster_templates: &[&AnalysisTemplate],
) -> Result<AnalysisTemplateSpec, ArgsError> {
    let all = || templates.iter().chain(cluster_templates);
    let metrics: Vec<_> = all().flat_map(|t| t.spec.metrics.iter().cloned()).collect();
    let mut names = BTreeSet::new();
    for m in &metrics {
        if !names.insert(m.name.as_str()) {
            return Err(ArgsError::DuplicateMetric {
                name: m.name.clone(),
            });
        }
    }
    let dry_run: Vec<_> = all().flat_map(|t| t.spec.dry_run.iter().cloned()).collect();
    unique_rules(dry_run.iter().map(|r| &r.metric_name), RuleList::DryRun)?;
    let measurement_retention: Vec<_> = all()
        .flat_map(|t| t.spec.measurement_retention.iter().cloned())
        .collect();
    unique_rules(
        measurement_retention.iter().map(|r| &r.metric_name),
        RuleList::MeasurementRetention,
    )?;
    let mut args: Vec<Argument> = Vec::new();
    for arg in all().flat_map(|t| t.spec.args.iter()) {
        match args.iter_mut().find(|a| a.name == arg.name) {
            None => args.push(arg.clone()),
            Some(prev) => match (&prev.value, &arg.value) {
                (Some(a), Some(b)) if a != b => {
                    return Err(ArgsError::ConflictingArg {
                        name: prev.name.clone(),
                        first: a.clone(),
                        second: b.clone(),
                    });
                }
                // A value never gives way to a later arg without one.
                (None, _) => *prev = arg.clone(),
                _ => {}
            },
        }
    }
    Ok(AnalysisTemplateSpec {
        metrics,
        args,
        dry_run,
        measurement_retention,
        templates: Vec::new(),
    })
}

/// Argo's `MergeArgs`: caller args override template args by name (a value, else a
/// `valueFrom`); caller args the templates do not declare are dropped. Any arg left with
/// neither value nor valueFrom → `args.<name> was not resolved`.
pub fn merge_args(
    caller: &[Argument],
    template_args: &[Argument],
) -> Result<Vec<Argument>, ArgsError> {
    let mut args = template_args.to_vec();
    for incoming in caller {
        if let Some(arg) = args.iter_mut().find(|a| a.name == incoming.name) {
            if incoming.value.is_some() {
                arg.value.clone_from(&incoming.value);
            } else if incoming.value_from.is_some() {
                arg.value_from.clone_from(&incoming.value_from);
            }
        }
    }
    if let Some(a) = args
        .iter()
        .find(|a| a.value.is_none() && a.value_from.is_none())
    {
        return Err(ArgsError::NotResolved {
            name: a.name.clone(),
        });
    }
    Ok(args)
}

/// Nested `spec.templates` references deeper than this are treated as a cycle (Argo would
/// recurse forever).
const MAX_REF_DEPTH: usize = 32;

/// Resolves template references (a Rollout's `templates:` list or a template's own
/// `spec.templates`) against loaded templates, following nested references depth first and
/// keeping the first of each name, as Argo's rollout controller does. Returns the namespaced
/// and the cluster templates. A missing one reads like the Kubernetes API's NotFound error.
pub fn resolve_template_refs<'a>(
    refs: &[TemplateRef],
    available: &'a [AnalysisTemplate],
) -> Result<(Vec<&'a AnalysisTemplate>, Vec<&'a AnalysisTemplate>), ArgsError> {
    let mut namespaced = Vec::new();
    let mut cluster = Vec::new();
    collect_refs(refs, available, 0, &mut namespaced, &mut cluster)?;
    let unique = |list: Vec<&'a AnalysisTemplate>| {
        let mut seen = BTreeSet::new();
        list.into_iter()
            .filter(|t| seen.insert(t.metadata.name.clone()))
            .collect::<Vec<_>>()
    };
    Ok((unique(namespaced), unique(cluster)))
}

fn collect_refs<'a>(
    refs: &[TemplateRef],
    available: &'a [AnalysisTemplate],
    depth: usize,
    namespaced: &mut Vec<&'a AnalysisTemplate>,
    cluster: &mut Vec<&'a AnalysisTemplate>,
) -> Result<(), ArgsError> {
    if depth > MAX_REF_DEPTH {
        return Err(ArgsError::ReferencesTooDeep);
    }
    for r in refs {
        let found = available.iter().find(|t| {
            t.metadata.name.as_deref() == Some(r.template_name.as_str())
                && is_cluster(t) == r.cluster_scope
        });
        let Some(t) = found else {
            return Err(ArgsError::TemplateNotFound {
                name: r.template_name.clone(),
                cluster_scope: r.cluster_scope,
            });
        };
        if r.cluster_scope {
            cluster.push(t);
        } else {
            namespaced.push(t);
        }
        if !t.spec.templates.is_empty() {
            collect_refs(&t.spec.templates, available, depth + 1, namespaced, cluster)?;
        }
    }
    Ok(())
}
