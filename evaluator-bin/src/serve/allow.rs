//! `--allow-host` at submission time: a run, evaluation or template sent over the API whose
//! metric would connect to a host not allowed is refused with a 400 naming the field, instead
//! of failing at its first measurement. The providers check again at connect time (redirects,
//! secret-valued URLs), so this is a courtesy and a first line, not the only one.

use analysis_core::secrets::{NoSecrets, SECRET_PLACEHOLDER, resolve_args};
use analysis_core::{Argument, Metric};

use super::error::ApiError;

/// Every address a metric's provider connects to: (field path under the metric, URL), as
/// the provider's spec lists them.
fn addresses(m: &Metric) -> Vec<(&'static str, &str)> {
    m.provider
        .kinds()
        .into_iter()
        .filter_map(providers::spec)
        .flat_map(|spec| spec.endpoints(m))
        .map(|e| (e.field, e.url))
        .collect()
}

/// Checks already templated metrics; `spec.metrics[i]` in errors is their index.
fn check_metrics<'a>(
    allow: &[String],
    metrics: impl Iterator<Item = (usize, &'a Metric)>,
) -> Result<(), ApiError> {
    for (i, m) in metrics {
        for (field, raw) in addresses(m) {
            // What does not parse (or is still a template) fails at fetch time instead.
            let Ok(url) = reqwest::Url::parse(raw.trim()) else {
                continue;
            };
            // A host that comes from a secret is unknown until the fetch, which checks it.
            let host = url.host_str().unwrap_or("");
            if host.contains(SECRET_PLACEHOLDER) {
                continue;
            }
            if !providers::host_allowed(allow, &url) {
                // The port too: an allow-list entry may name one.
                let target = match url.port_or_known_default() {
                    Some(port) => format!("{host}:{port}"),
                    None => host.to_string(),
                };
                return Err(ApiError::BadRequest(format!(
                    "spec.metrics[{i}].{field}: host {target:?} is not allowed (--allow-host)"
                )));
            }
        }
    }
    Ok(())
}

/// Checks a run's or template's metrics against the allow-list after templating them with
/// `args`. Secret args take Argo's placeholder (a secret is never read, nor echoed in an
/// error). When some arg has no value yet (a template's undeclared input), only the metrics
/// that need no templating are checked; the run built from it is checked again.
pub fn check_hosts(
    allow: Option<&[String]>,
    metrics: &[Metric],
    args: &[Argument],
) -> Result<(), ApiError> {
    let Some(allow) = allow else {
        return Ok(());
    };
    let resolved = resolve_args(args, &NoSecrets, true).map(|r| r.args);
    if let Ok(args) = resolved.as_ref()
        && args.iter().all(|a| a.value.is_some())
    {
        let mut templated = Vec::with_capacity(metrics.len());
        for (i, m) in metrics.iter().enumerate() {
            // A metric that does not template fails validation with its own message.
            if let Ok(t) = analysis_core::args::template_metric(m, args) {
                templated.push((i, t));
            }
        }
        return check_metrics(allow, templated.iter().map(|(i, m)| (*i, m)));
    }
    let plain = metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| addresses(m).iter().all(|(_, url)| !url.contains("{{")));
    check_metrics(allow, plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis_core::model::{MetricProvider, PrometheusMetric, WebMetric};

    fn web(url: &str) -> Metric {
        Metric {
            name: "m".into(),
            provider: MetricProvider {
                web: Some(WebMetric {
                    url: url.into(),
                    ..WebMetric::default()
                }),
                ..MetricProvider::default()
            },
            ..Metric::default()
        }
    }

    fn arg(name: &str, value: Option<&str>) -> Argument {
        Argument {
            name: name.into(),
            value: value.map(String::from),
            value_from: None,
        }
    }

    fn msg(r: Result<(), ApiError>) -> Option<String> {
        r.err().map(|e| e.to_string())
    }

    #[test]
    fn templated_hosts_are_checked_and_named() {
        let allow = vec!["metrics.internal".to_string()];
        let metrics = vec![
            web("http://metrics.internal/q"),
            web("http://{{args.host}}/q"),
        ];
        let args = [arg("host", Some("10.0.0.1"))];
        assert_eq!(
            msg(check_hosts(Some(&allow), &metrics, &args)),
            Some(
                "spec.metrics[1].provider.web.url: host \"10.0.0.1:80\" is not allowed (--allow-host)"
                    .into()
            )
        );
        let args = [arg("host", Some("metrics.internal"))];
        assert_eq!(msg(check_hosts(Some(&allow), &metrics, &args)), None);
        // A secret host is left to the connect-time check.
        let mut secret = arg("host", None);
        secret.value_from = Some(analysis_core::model::ValueFrom {
            secret_key_ref: Some(analysis_core::model::SecretKeyRef {
                name: "s".into(),
                key: "k".into(),
            }),
            ..Default::default()
        });
        assert_eq!(msg(check_hosts(Some(&allow), &metrics, &[secret])), None);
        assert_eq!(
            msg(check_hosts(None, &[web("http://10.0.0.1/")], &[])),
            None
        );
    }

    #[test]
    fn unknown_args_leave_only_literal_urls_checked() {
        let allow = vec!["metrics.internal".to_string()];
        let args = [arg("host", None)];
        let templated = [web("http://{{args.host}}/q")];
        assert_eq!(msg(check_hosts(Some(&allow), &templated, &args)), None);
        let prom = Metric {
            name: "p".into(),
            provider: MetricProvider {
                prometheus: Some(PrometheusMetric {
                    address: Some("http://10.0.0.2:9090".into()),
                    ..PrometheusMetric::default()
                }),
                ..MetricProvider::default()
            },
            ..Metric::default()
        };
        assert_eq!(
            msg(check_hosts(Some(&allow), &[prom], &args)),
            Some(
                "spec.metrics[0].provider.prometheus.address: host \"10.0.0.2:9090\" is not allowed (--allow-host)"
                    .into()
            )
        );
    }
}
