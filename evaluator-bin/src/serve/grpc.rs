//! The gRPC front end, `augur.v1.Analysis` (proto/augur/v1/analysis.proto): the same
//! [`Service`] calls as the HTTP API, with runs carried as a `Struct` of the same JSON.
//! Manifests are read strictly (gRPC has no `fieldValidation`): an unknown field is
//! `INVALID_ARGUMENT`, with the same message as the HTTP API's 400.

use std::pin::Pin;
use std::sync::Arc;

use analysis_core::Argument;
use futures::Stream;
use tonic::{Request, Response, Status};

use super::body::FieldCheck;
use super::error::ApiError;
use super::evaluate::Verdict as EvalVerdict;
use super::http::Auth;
use super::registry::Snapshot;
use super::service::{CreateRun, Service, TemplateSource};

pub mod pb {
    tonic::include_proto!("augur.v1");
}

use pb::analysis_server::{Analysis, AnalysisServer};

pub struct Grpc {
    svc: Arc<Service>,
    auth: Auth,
}

/// The tonic service, ready to add to a server.
pub fn server(svc: Arc<Service>, auth: Auth, max_message: usize) -> AnalysisServer<Grpc> {
    AnalysisServer::new(Grpc { svc, auth })
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(64 * 1024 * 1024)
}

/// JSON to a protobuf `Value`, as `google.protobuf.Struct`'s JSON mapping defines.
pub fn to_pb_value(v: &serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match v {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(b) => Kind::BoolValue(*b),
        serde_json::Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Kind::StringValue(s.clone()),
        serde_json::Value::Array(a) => Kind::ListValue(prost_types::ListValue {
            values: a.iter().map(to_pb_value).collect(),
        }),
        serde_json::Value::Object(o) => Kind::StructValue(to_pb_struct(o)),
    };
    prost_types::Value { kind: Some(kind) }
}

fn to_pb_struct(o: &serde_json::Map<String, serde_json::Value>) -> prost_types::Struct {
    prost_types::Struct {
        fields: o.iter().map(|(k, v)| (k.clone(), to_pb_value(v))).collect(),
    }
}

fn run_message(s: &Snapshot) -> pb::Run {
    pb::Run {
        name: s.name.clone(),
        phase: s.phase.map(|p| p.as_str().to_string()).unwrap_or_default(),
        message: s.message.clone(),
        completed: s.completed,
        analysis_run: s.masked().as_object().map(to_pb_struct),
    }
}

fn args(a: Vec<pb::Arg>) -> Vec<Argument> {
    a.into_iter()
        .map(|a| Argument {
            name: a.name,
            value: Some(a.value),
            value_from: None,
        })
        .collect()
}

fn verdict_message(v: EvalVerdict) -> pb::Verdict {
    pb::Verdict {
        phase: v.phase,
        message: v.message,
        completed: v.completed,
        metrics: v
            .metrics
            .into_iter()
            .map(|m| pb::MetricVerdict {
                name: m.name,
                phase: m.phase,
                value: m.value,
                message: m.message,
                explanation: m
                    .explanation
                    .into_iter()
                    .map(|e| pb::Explanation {
                        expr: e.expr,
                        value: e.value,
                    })
                    .collect(),
            })
            .collect(),
    }
}

impl Grpc {
    fn authorize<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let header = req.metadata().get("authorization").map(|v| v.as_bytes());
        self.auth.check(header).map_err(Status::from)
    }
}

type RunStream = Pin<Box<dyn Stream<Item = Result<pb::Run, Status>> + Send>>;

#[tonic::async_trait]
impl Analysis for Grpc {
    async fn create_run(
        &self,
        req: Request<pb::CreateRunRequest>,
    ) -> Result<Response<pb::Run>, Status> {
        self.authorize(&req)?;
        let create = match req.into_inner().source {
            Some(pb::create_run_request::Source::Manifest(text)) => {
                CreateRun::parse(&text, false, &mut FieldCheck::strict())?
            }
            Some(pb::create_run_request::Source::FromTemplate(t)) => CreateRun::FromTemplate {
                name: t.name,
                template: t.template_name,
                args: args(t.args),
            },
            None => {
                return Err(ApiError::BadRequest(
                    "source: give a manifest or from_template".into(),
                )
                .into());
            }
        };
        let (snap, _) = self.svc.create_run(create, false).await?;
        Ok(Response::new(run_message(&snap)))
    }

    async fn get_run(&self, req: Request<pb::GetRunRequest>) -> Result<Response<pb::Run>, Status> {
        self.authorize(&req)?;
        let snap = self.svc.get_run(&req.into_inner().name)?;
        Ok(Response::new(run_message(&snap)))
    }

    async fn list_runs(
        &self,
        req: Request<pb::ListRunsRequest>,
    ) -> Result<Response<pb::ListRunsResponse>, Status> {
        self.authorize(&req)?;
        let phase = req.into_inner().phase;
        let runs = self
            .svc
            .list_runs(Some(phase.as_str()).filter(|p| !p.is_empty()))?;
        Ok(Response::new(pb::ListRunsResponse {
            runs: runs.iter().map(|s| run_message(s)).collect(),
        }))
    }

    async fn terminate_run(
        &self,
        req: Request<pb::TerminateRunRequest>,
    ) -> Result<Response<pb::Run>, Status> {
        self.authorize(&req)?;
        let snap = self.svc.terminate_run(&req.into_inner().name).await?;
        Ok(Response::new(run_message(&snap)))
    }

    async fn evaluate(
        &self,
        req: Request<pb::EvaluateRequest>,
    ) -> Result<Response<pb::Verdict>, Status> {
        self.authorize(&req)?;
        let r = req.into_inner();
        let source = match r.template {
            Some(pb::evaluate_request::Template::Manifest(text)) => {
                TemplateSource::Inline(Box::new(super::api::templates::template_from_text(
                    &text,
                    false,
                    &mut FieldCheck::strict(),
                )?))
            }
            Some(pb::evaluate_request::Template::TemplateName(name)) => TemplateSource::Named(name),
            None => {
                return Err(ApiError::BadRequest(
                    "template: give a manifest or template_name".into(),
                )
                .into());
            }
        };
        let run = self
            .svc
            .build_run("evaluate", source, &args(r.args))
            .await?;
        let verdict = self.svc.evaluate(run).await?;
        Ok(Response::new(verdict_message(verdict)))
    }

    type WatchRunStream = RunStream;

    async fn watch_run(
        &self,
        req: Request<pb::WatchRunRequest>,
    ) -> Result<Response<RunStream>, Status> {
        self.authorize(&req)?;
        let name = req.into_inner().name;
        let rx = self
            .svc
            .core
            .registry
            .subscribe(&name)
            .ok_or_else(|| Status::from(ApiError::run_not_found(&name)))?;
        // The current state first, then each committed change; ends after the completed one
        // (or when the run is deleted).
        let stream =
            futures::stream::unfold((rx, true, false), |(mut rx, first, done)| async move {
                if done {
                    return None;
                }
                if !first && rx.changed().await.is_err() {
                    return None;
                }
                let snap = rx.borrow_and_update().clone();
                let completed = snap.completed;
                Some((Ok(run_message(&snap)), (rx, false, completed)))
            });
        Ok(Response::new(Box::pin(stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_maps_onto_struct() {
        let v = serde_json::json!({"a": [1, "x", null, true], "b": {"c": 2.5}});
        let s = v.as_object().map(to_pb_struct).unwrap_or_default();
        assert_eq!(s.fields.len(), 2);
        let b = s.fields.get("b").and_then(|b| b.kind.clone());
        assert!(matches!(b, Some(prost_types::value::Kind::StructValue(_))));
    }
}
