//! `/openapi.json`: an OpenAPI 3.1 description of every route, kept beside the handlers.

use serde_json::{Value, json};

fn err(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}})
}

fn manifest_body(schema: &str) -> Value {
    json!({"required": true, "content": {
        "application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}},
        "application/yaml": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}
    }})
}

fn ok(desc: &str, schema: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

/// The answer about a run whose stored row no longer decodes (only DELETE works on it).
fn unreadable() -> Value {
    err(
        "the run is stored but no longer decodes (written by another version, or damaged); the message says why; DELETE removes it",
    )
}

fn name_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
}

/// Kubernetes' `fieldValidation`, on every route that reads a manifest.
fn field_validation_param() -> Value {
    json!({"name": "fieldValidation", "in": "query", "schema": {"enum": ["Strict", "Warn", "Ignore"], "default": "Strict"},
        "description": "What to do with manifest fields Augur does not know (a misspelled `successCondition` would otherwise vanish and the metric always succeed), as kube-apiserver does: `Strict` (default) answers 400 naming each one, e.g. `unknown field \"spec.metrics[0].sucessCondition\" (did you mean \"successCondition\"?)`; `Warn` accepts and sends one `Warning: 299 - \"unknown field \\\"spec.metrics[0].sucessCondition\\\"\"` header per field; `Ignore` accepts silently. Any other value is a 400. Metadata Augur does not model, free-form maps (`jsonBody`, labels) and unsupported provider kinds are never unknown fields. gRPC is always strict."})
}

/// A success response that may carry `Warning` headers (`fieldValidation=Warn`).
fn warned(mut response: Value) -> Value {
    if let Some(r) = response.as_object_mut() {
        r.insert("headers".into(), json!({"Warning": {"schema": {"type": "string"},
            "description": "with fieldValidation=Warn, one per unknown field: 299 - \"unknown field \\\"<path>\\\"\""}}));
    }
    response
}

/// Adds the answers `extra` to `responses` where it has none for that status.
fn merged(mut responses: Value, extra: &Value) -> Value {
    if let (Some(r), Some(c)) = (responses.as_object_mut(), extra.as_object()) {
        for (k, v) in c {
            r.entry(k.clone()).or_insert(v.clone());
        }
    }
    responses
}

/// A JSON Schema `$ref` to a component.
fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn array_of(name: &str) -> Value {
    json!({"type": "array", "items": schema_ref(name)})
}

/// The schemas of the Argo manifests and their status, as Augur writes them (camelCase,
/// empty fields left out). Unknown properties are allowed: Augur keeps metadata it does not
/// model.
fn manifest_schemas() -> Value {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let time = json!({"type": "string", "format": "date-time"});
    let strings = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let phase =
        json!({"enum": ["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]});
    // The kinds come from the providers' own descriptions, never named here.
    let provider_blocks: serde_json::Map<String, Value> = providers::specs()
        .iter()
        .map(|spec| (spec.kind().to_string(), json!({"type": "object"})))
        .collect();
    let summary = json!({"type": "object", "properties": {
        "count": int, "successful": int, "failed": int, "inconclusive": int, "error": int}});
    json!({
        "IntOrString": {"type": ["integer", "string"]},
        "ObjectMeta": {"type": "object", "properties": {
            "name": string, "generateName": string, "namespace": string,
            "labels": strings, "annotations": strings}},
        "Arg": {"type": "object", "required": ["name"], "properties": {
            "name": string, "value": string,
            "valueFrom": {"type": "object", "properties": {
                "secretKeyRef": schema_ref("SecretKeyRef"),
                "fieldRef": {"type": "object", "required": ["fieldPath"], "properties": {"fieldPath": string}},
                "podTemplateHashValue": string}}}},
        "SecretKeyRef": {"type": "object", "required": ["name", "key"], "properties": {"name": string, "key": string}},
        "MetricProvider": {"type": "object", "description": "One provider block, as in Argo's manifest; kinds Augur does not run are kept as given.",
            "properties": provider_blocks},
        "Metric": {"type": "object", "required": ["name"], "properties": {
            "name": string, "interval": string, "initialDelay": string,
            "count": schema_ref("IntOrString"), "successCondition": string, "failureCondition": string,
            "failureLimit": schema_ref("IntOrString"), "inconclusiveLimit": schema_ref("IntOrString"),
            "consecutiveErrorLimit": schema_ref("IntOrString"),
            "consecutiveSuccessLimit": schema_ref("IntOrString"),
            "provider": schema_ref("MetricProvider")}},
        "DryRun": {"type": "object", "required": ["metricName"], "properties": {"metricName": string}},
        "MeasurementRetention": {"type": "object", "required": ["metricName"], "properties": {"metricName": string, "limit": int}},
        "AnalysisTemplate": {"type": "object", "description": "An Argo Rollouts AnalysisTemplate or ClusterAnalysisTemplate.",
            "properties": {"apiVersion": string, "kind": {"enum": ["AnalysisTemplate", "ClusterAnalysisTemplate"]},
                "metadata": schema_ref("ObjectMeta"),
                "spec": {"type": "object", "properties": {
                    "metrics": {"type": "array", "minItems": 1, "items": schema_ref("Metric")}, "args": array_of("Arg"), "dryRun": array_of("DryRun"),
                    "measurementRetention": array_of("MeasurementRetention"),
                    "templates": {"type": "array", "items": {"type": "object", "properties": {
                        "templateName": string, "clusterScope": {"type": "boolean"}}}}}}}},
        "Measurement": {"type": "object", "properties": {
            "phase": phase, "message": string, "startedAt": time, "finishedAt": time,
            "value": string, "metadata": strings, "resumeAt": time}},
        "MetricResult": {"type": "object", "properties": {
            "name": string, "phase": phase, "measurements": array_of("Measurement"), "message": string,
            "count": int, "successful": int, "failed": int, "inconclusive": int, "error": int,
            "consecutiveError": int, "consecutiveSuccess": int, "dryRun": {"type": "boolean"},
            "metadata": strings}},
        "RunSummary": summary,
        "AnalysisRun": {"type": "object", "description": "An Argo Rollouts AnalysisRun (argoproj.io/v1alpha1), with its Argo-shaped status; secrets shown as `*****`.",
            "properties": {"apiVersion": string, "kind": {"const": "AnalysisRun"},
                "metadata": schema_ref("ObjectMeta"),
                "spec": {"type": "object", "properties": {
                    "metrics": {"type": "array", "minItems": 1, "items": schema_ref("Metric")}, "args": array_of("Arg"), "terminate": {"type": "boolean"},
                    "dryRun": array_of("DryRun"), "measurementRetention": array_of("MeasurementRetention"),
                    "ttlStrategy": {"type": "object", "properties": {"secondsAfterCompletion": int,
                        "secondsAfterFailure": int, "secondsAfterSuccess": int}}}},
                "status": {"type": "object", "properties": {
                    "phase": phase, "message": string, "metricResults": array_of("MetricResult"),
                    "startedAt": time, "completedAt": time, "runSummary": schema_ref("RunSummary"),
                    "dryRunSummary": schema_ref("RunSummary")}}}},
        "AnalysisRunList": {"type": "object", "required": ["items"], "properties": {
            "apiVersion": string, "kind": {"const": "AnalysisRunList"}, "items": array_of("AnalysisRun"),
            "unreadable": {"type": "array", "description": "Present only when some stored runs no longer decode: each one's name and why. They are not in `items`; GET on such a name answers 422 and DELETE removes it.",
                "items": {"type": "object", "required": ["name", "reason"], "properties": {"name": {"type": "string"}, "reason": {"type": "string"}}}}}},
        "AnalysisTemplateList": {"type": "object", "required": ["items"], "properties": {
            "apiVersion": string, "kind": {"const": "AnalysisTemplateList"}, "items": array_of("AnalysisTemplate")}},
        "MeasurementList": {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"allOf": [schema_ref("Measurement"),
                {"type": "object", "required": ["metricName"], "properties": {"metricName": string}}]}}}}
    })
}

pub fn document() -> Value {
    // Every route can refuse the token or the Host; those that change something also refuse
    // cross-site requests and large bodies, and answer 503 while shutting down.
    let read = json!({
        "401": err("missing or wrong token (header, access_token or /t/{token}/ prefix)"),
        "421": err("a Host this service does not answer for (DNS rebinding; see --allowed-host)"),
    });
    let write = merged(
        json!({
            "403": err("cross-site request: an Origin that is not this service"),
            "413": err("request body over the limit (1 MiB by default)"),
            "415": err("a content type browsers send cross-site (text/plain, forms); send application/json or application/yaml"),
            "503": err("shutting down"),
        }),
        &read,
    );
    let with = |responses: Value| merged(responses, &read);
    let with_write = |responses: Value| merged(responses, &write);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Augur evaluator service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs Argo Rollouts AnalysisRuns and answers rollout controllers (Argo `web` and `kayenta` providers, Flagger webhooks, Spinnaker). When the service has a token, every route but /healthz and /readyz needs it, given one of three ways: `Authorization: Bearer <token>`; an `access_token` query parameter (RFC 6750 §2.3, for Flagger webhook URLs); or a `/t/{token}/` path prefix, under which every route below is mounted (for Argo's `kayenta` provider: `address: http://augur:8080/t/<token>`). A token in a URL is percent-encoded. Secrets are shown as `*****`."
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "accessToken": {"type": "apiKey", "in": "query", "name": "access_token", "description": "RFC 6750 §2.3"}
            },
            "schemas": {
                "Status": {"type": "object", "properties": {
                    "kind": {"const": "Status"}, "status": {"const": "Failure"},
                    "code": {"type": "integer"}, "reason": {"type": "string"},
                    "message": {"type": "string", "description": "What is wrong and where, e.g. `AnalysisRun: spec.metrics[0].count: invalid type: ...`"}}},
                "CreateRun": {"anyOf": [
                    {"$ref": "#/components/schemas/AnalysisRun"},
                    {"type": "object", "required": ["name", "templateRef"], "properties": {
                        "name": {"type": "string"},
                        "templateRef": {"type": "object", "properties": {"name": {"type": "string"}}},
                        "args": {"type": "array", "items": {"$ref": "#/components/schemas/Arg"}}}}]},
                "RunVerdict": {"type": "object", "properties": {
                    "phase": {"enum": ["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]},
                    "message": {"type": "string"}, "completed": {"type": "boolean"}}},
                "Evaluate": {"anyOf": [
                    {"$ref": "#/components/schemas/AnalysisTemplate"},
                    {"type": "object", "properties": {
                        "template": {"$ref": "#/components/schemas/AnalysisTemplate"},
                        "templateRef": {"type": "object", "properties": {"name": {"type": "string"}}},
                        "args": {"type": "array", "items": {"$ref": "#/components/schemas/Arg"}}}}]},
                "Verdict": {"type": "object", "properties": {
                    "phase": {"type": "string"}, "message": {"type": "string"}, "completed": {"type": "boolean"},
                    "metrics": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "phase": {"type": "string"}, "value": {"type": "string"},
                        "message": {"type": "string"},
                        "explanation": {"type": "array", "items": {"type": "object", "properties": {
                            "expr": {"type": "string"}, "value": {"type": "string"}}}}}}}}},
                "FlaggerPayload": {"type": "object", "properties": {
                    "name": {"type": "string"}, "namespace": {"type": "string"}, "phase": {"type": "string"},
                    "checksum": {"type": "string"},
                    "metadata": {"type": "object", "additionalProperties": {"type": "string"}}}},
                "CanaryExecutionRequest": {"type": "object", "properties": {
                    "scopes": {"type": "object", "additionalProperties": {"type": "object"}},
                    "thresholds": {"type": "object", "properties": {"pass": {"type": "number"}, "marginal": {"type": "number"}}}}},
                "CanaryExecutionStatus": {"type": "object", "properties": {
                    "complete": {"type": "boolean"}, "status": {"type": "string"},
                    "result": {"type": "object", "properties": {"judgeResult": {"type": "object", "properties": {
                        "score": {"type": "object", "properties": {"score": {"type": "number"},
                            "classification": {"type": "string"}, "classificationReason": {"type": "string"}}}}}}}}}
            }
        },
        "security": [{"bearer": []}, {"accessToken": []}],
        "paths": {
            "/api/v1/analysisruns": {
                "post": {"summary": "Create a run from a manifest or a loaded template; it starts at once",
                    "parameters": [{"name": "existing", "in": "query", "schema": {"const": "ok"}, "description": "return an existing run of that name (200) instead of 409, if its spec is the same as the request's (a different spec is still a 409 naming the first differing field, e.g. `spec.args[0].value`)"}, field_validation_param()],
                    "requestBody": manifest_body("CreateRun"),
                    "responses": with_write(json!({"201": warned(ok("created", "AnalysisRun")), "200": warned(ok("existing run (existing=ok)", "AnalysisRun")),
                        "400": err("bad manifest, unknown field (fieldValidation=Strict), unknown template, bad args, bad fieldValidation, bad query"), "409": err("a run of that name exists (with existing=ok: with a different spec, or stored but unreadable)")}))},
                "get": {"summary": "List runs",
                    "parameters": [{"name": "phase", "in": "query", "schema": {"enum": ["Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]}}],
                    "responses": with(json!({"200": ok("the runs, oldest first, and any stored runs that no longer decode", "AnalysisRunList"), "400": err("unknown phase, bad query")}))}
            },
            "/api/v1/analysisruns/{name}": {
                "parameters": [name_param("name")],
                "get": {"summary": "A run with its status", "responses": with(json!({"200": ok("the run", "AnalysisRun"), "404": err("no such run"), "422": unreadable()}))},
                "delete": {"summary": "Delete a run and its measurement history (also a run that no longer decodes)", "responses": with_write(json!({"204": {"description": "deleted"}, "404": err("no such run")}))}
            },
            "/api/v1/analysisruns/{name}/terminate": {
                "parameters": [name_param("name")],
                "post": {"summary": "Set spec.terminate; answers once the terminating pass is committed",
                    "responses": with_write(json!({"200": ok("the completed run", "AnalysisRun"), "404": err("no such run"), "422": unreadable()}))}
            },
            "/api/v1/analysisruns/{name}/verdict": {
                "parameters": [name_param("name"), {"name": "wait", "in": "query", "schema": {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$"}, "description": "Go duration (max 2m) to wait for completion"}],
                "get": {"summary": "For Argo's web provider: jsonPath {$.phase}, successCondition result == \"Successful\"",
                    "responses": with(json!({"200": ok("the verdict", "RunVerdict"), "400": err("wait is not a Go duration, bad query"), "404": err("no such run"), "422": unreadable()}))}
            },
            "/api/v1/analysisruns/{name}/measurements": {
                "parameters": [name_param("name")],
                "get": {"summary": "Every measurement recorded, oldest first", "responses": with(json!({"200": ok("{items: [Measurement + metricName]}", "MeasurementList"), "404": err("no such run"), "422": unreadable()}))}
            },
            "/api/v1/evaluate": {
                "post": {"summary": "One measurement of every metric, now; nothing is stored",
                    "parameters": [field_validation_param()],
                    "requestBody": manifest_body("Evaluate"),
                    "responses": with_write(json!({"200": warned(ok("the verdict", "Verdict")), "400": err("bad template or args, unknown field (fieldValidation=Strict), bad fieldValidation")}))}
            },
            "/api/v1/analysistemplates": {
                "get": {"summary": "List templates", "responses": with(json!({"200": ok("the templates", "AnalysisTemplateList")}))}
            },
            "/api/v1/analysistemplates/{name}": {
                "parameters": [name_param("name")],
                "get": {"summary": "A template", "responses": with(json!({"200": ok("the template", "AnalysisTemplate"), "404": err("no such template")}))},
                "put": {"summary": "Create or replace a template", "parameters": [field_validation_param()], "requestBody": manifest_body("AnalysisTemplate"),
                    "responses": with_write(json!({"201": warned(ok("created", "AnalysisTemplate")), "200": warned(ok("replaced", "AnalysisTemplate")), "400": err("bad manifest, unknown field (fieldValidation=Strict), bad fieldValidation"), "409": err("the template is in use in a way that forbids the change")}))},
                "delete": {"summary": "Delete a template", "responses": with_write(json!({"204": {"description": "deleted"}, "404": err("no such template")}))}
            },
            "/flagger/v1/{templateName}": {
                "parameters": [name_param("templateName")],
                "post": {"summary": "Flagger webhook: metadata entries (and name/namespace/phase/checksum) fill the template's declared args; evaluated now",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FlaggerPayload"}}}},
                    "responses": with_write(json!({"200": ok("Successful", "Verdict"),
                        "412": {"description": "not Successful; the reason", "content": {"text/plain": {"schema": {"type": "string"}}}},
                        "404": err("no such template"), "400": err("bad payload or args")}))}
            },
            "/canaryConfig": {
                "get": {"summary": "Kayenta: templates as canary configs (id = name)",
                    "parameters": [{"name": "application", "in": "query", "schema": {"type": "string"}}],
                    "responses": with(json!({"200": {"description": "[{id, name, applications}]", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "name": {"type": "string"}, "applications": {"type": "array", "items": {"type": "string"}}}}}}}},
                        "400": err("bad query")}))}
            },
            "/canary/{id}": {
                "parameters": [name_param("id")],
                "post": {"summary": "Kayenta: start a run of config {id}; scope fields and extendedScopeParams fill declared args",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/CanaryExecutionRequest"}}}},
                    "responses": with_write(json!({"200": {"description": "{canaryExecutionId}", "content": {"application/json": {"schema": {"type": "object", "required": ["canaryExecutionId"], "properties": {"canaryExecutionId": {"type": "string"}}}}}},
                        "400": err("bad request body, scopes that do not fill the template's args"), "404": err("no such config"), "409": err("the generated name is taken")}))},
                "get": {"summary": "Kayenta: execution {id}; score 100 (Successful), marginal (Inconclusive), 0 (Failed, Error)",
                    "responses": with(json!({"200": ok("status", "CanaryExecutionStatus"), "404": err("no such execution")}))}
            },
            "/t/{token}/{route}": {
                "parameters": [name_param("token"), {"name": "route", "in": "path", "required": true, "schema": {"type": "string"},
                    "description": "any route of this document, e.g. canaryConfig or canary/{id}"}],
                "summary": "Every route, with the token as a path prefix (Argo's kayenta provider sends no headers and no query of its own)",
                "get": {"summary": "as GET /{route}", "security": [], "responses": with(json!({"200": {"description": "as the route"}, "404": err("no such route")}))},
                "post": {"summary": "as POST /{route}", "security": [], "responses": with_write(json!({"200": {"description": "as the route"}, "404": err("no such route")}))}
            },
            "/healthz": {"get": {"summary": "Alive", "security": [], "responses": {"200": {"description": "ok"}, "421": read["421"]}}},
            "/readyz": {"get": {"summary": "Ready (503 before loading and while shutting down)", "security": [], "responses": {"200": {"description": "ok"}, "503": {"description": "not ready"}, "421": read["421"]}}},
            "/metrics": {"get": {"summary": "Prometheus exposition", "responses": with(json!({"200": {"description": "text/plain; version=0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}}}))}},
            "/openapi.json": {"get": {"summary": "This document", "responses": with(json!({"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}
        }
    });
    if let (Some(all), Some(manifests)) = (
        doc["components"]["schemas"].as_object_mut(),
        manifest_schemas().as_object_mut(),
    ) {
        all.append(manifests);
    }
    doc
}

#[cfg(test)]
mod tests {
    #[test]
    fn documents_every_route() {
        let doc = super::document();
        let paths = doc["paths"].as_object().map(|p| p.len()).unwrap_or(0);
        assert_eq!(paths, 16);
    }

    #[test]
    fn every_status_a_route_answers_is_documented() {
        let doc = super::document();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        let mut writes = 0;
        for (path, item) in &paths {
            for method in ["get", "post", "put", "delete"] {
                let responses = &item[method]["responses"];
                if responses.is_null() {
                    continue;
                }
                assert!(responses["421"].is_object(), "{method} {path}: 421");
                if method != "get" {
                    writes += 1;
                    for code in ["401", "403", "413", "415"] {
                        assert!(responses[code].is_object(), "{method} {path}: {code}");
                    }
                }
            }
        }
        assert_eq!(writes, 9);
        for (path, method) in [
            ("/api/v1/analysisruns/{name}/verdict", "get"),
            ("/canary/{id}", "post"),
            ("/api/v1/analysisruns", "get"),
        ] {
            assert!(
                doc["paths"][path][method]["responses"]["400"].is_object(),
                "{method} {path}: 400"
            );
        }
    }

    #[test]
    fn runs_and_templates_have_full_schemas() {
        let doc = super::document();
        let schemas = &doc["components"]["schemas"];
        let run = &schemas["AnalysisRun"]["properties"];
        assert!(run["status"]["properties"]["metricResults"].is_object());
        assert!(run["spec"]["properties"]["metrics"].is_object());
        assert!(
            schemas["AnalysisTemplate"]["properties"]["spec"]["properties"]["args"].is_object()
        );
        // Every reference resolves.
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap_or("");
            assert!(schemas[name].is_object(), "missing schema {name}");
        }
    }

    #[test]
    fn field_validation_is_documented_on_every_manifest_route() {
        let doc = super::document();
        for (path, method) in [
            ("/api/v1/analysisruns", "post"),
            ("/api/v1/analysistemplates/{name}", "put"),
            ("/api/v1/evaluate", "post"),
        ] {
            let op = &doc["paths"][path][method];
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            assert!(
                params.iter().any(|p| p["name"] == "fieldValidation"),
                "{method} {path}"
            );
            let ok = if path == "/api/v1/evaluate" {
                "200"
            } else {
                "201"
            };
            assert!(
                op["responses"][ok]["headers"]["Warning"].is_object(),
                "{method} {path}"
            );
        }
    }
}
