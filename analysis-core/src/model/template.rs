use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Metric, SecretKeyRef};

/// The parts of Kubernetes `ObjectMeta` Augur uses; everything else is kept verbatim.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// The object's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A prefix Kubernetes completes into a unique name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// The namespace (secrets are read from the run's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Every other metadata field, verbatim.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// An `AnalysisTemplate` or `ClusterAnalysisTemplate` (they share one spec; `kind` tells them
/// apart).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisTemplate {
    /// `argoproj.io/v1alpha1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `AnalysisTemplate` or `ClusterAnalysisTemplate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name, namespace, labels.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Its metrics, args and rules.
    #[serde(default)]
    pub spec: AnalysisTemplateSpec,
}

/// A template's spec: what a run built from it measures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisTemplateSpec {
    /// The metrics.
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Args the metrics use; those without a value are the caller's to supply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Argument>,
    /// Metrics measured but never deciding the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dry_run: Vec<DryRun>,
    /// How many measurements matching metrics keep.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurement_retention: Vec<MeasurementRetention>,
    /// Other templates whose metrics and args this one includes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<TemplateRef>,
}

/// A reference from one template to another (`spec.templates[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRef {
    /// The referenced template's name.
    #[serde(default)]
    pub template_name: String,
    /// Whether it is a `ClusterAnalysisTemplate`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cluster_scope: bool,
}

/// An argument: a literal `value`, a secret, or a field reference (resolved Rollout-side only).
///
/// ```
/// use analysis_core::Argument;
///
/// let service = Argument::with_value("service", "checkout");
/// let token = Argument::from_secret("token", "api-credentials", "token");
/// let required = Argument::required("threshold");
/// assert_eq!(service.value.as_deref(), Some("checkout"));
/// assert!(token.value.is_none() && token.value_from.is_some());
/// assert!(required.value.is_none() && required.value_from.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Argument {
    /// The name tags refer to (`{{args.<name>}}`).
    pub name: String,
    /// A literal value; when a template leaves it unset, the caller must supply one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Where the value comes from instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<ValueFrom>,
}

impl Argument {
    /// An argument with a literal value.
    pub fn with_value(name: impl Into<String>, value: impl Into<String>) -> Argument {
        Argument {
            name: name.into(),
            value: Some(value.into()),
            value_from: None,
        }
    }

    /// An argument a template declares without a value: whoever builds the run supplies it.
    pub fn required(name: impl Into<String>) -> Argument {
        Argument {
            name: name.into(),
            value: None,
            value_from: None,
        }
    }

    /// An argument read from `key` of Secret `secret` when measuring.
    pub fn from_secret(
        name: impl Into<String>,
        secret: impl Into<String>,
        key: impl Into<String>,
    ) -> Argument {
        Argument {
            name: name.into(),
            value: None,
            value_from: Some(ValueFrom {
                secret_key_ref: Some(SecretKeyRef::new(secret, key)),
                ..ValueFrom::default()
            }),
        }
    }
}

/// `valueFrom` of an argument: a secret, or a Rollout-side reference.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueFrom {
    /// Read from a Secret at measurement time (semantics §2.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeyRef>,
    /// A field of the Rollout; only a Rollout resolves it (semantics §1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<FieldRef>,
    /// `Stable` or `Latest` pod template hash; only a Rollout resolves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_template_hash_value: Option<String>,
}

/// `valueFrom.fieldRef`: a path into the Rollout (`metadata.labels['env']`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRef {
    /// The downward-API style path.
    pub field_path: String,
}

/// `dryRun[]`: metrics whose name matches the (unanchored Go) regexp never decide the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRun {
    /// Go regexp matched (unanchored) against metric names.
    pub metric_name: String,
}

/// `measurementRetention[]`: how many measurements matching metrics keep (default 10).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasurementRetention {
    /// Go regexp matched (unanchored) against metric names.
    pub metric_name: String,
    /// Measurements to keep (0 or less: the default 10).
    #[serde(default)]
    pub limit: i32,
}
