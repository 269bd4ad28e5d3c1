//! OAuth2 client credentials for web and prometheus metrics: a token is fetched for every
//! measurement (Argo builds a new client each time) and sent as `Authorization: Bearer`.

// Without the `live` feature only the settings are checked (parsing a recording needs that).
#![cfg_attr(not(feature = "live"), allow(dead_code))]

use analysis_core::ProviderError;
use analysis_core::model::OAuth2Config;
#[cfg(feature = "live")]
use serde::Deserialize;
#[cfg(feature = "live")]
use tokio::time::Instant;

#[cfg(feature = "live")]
use crate::goerr::go_quote;
#[cfg(feature = "live")]
use crate::http::{Exchange, Http, HttpError, TimeoutStyle};

/// The error Argo gives when a token URL is set without both client fields.
pub(crate) const MISSING_OAUTH2: &str = "missing mandatory parameter in metric for OAuth2 setup";

/// Validated client-credentials settings.
#[derive(Clone, Debug)]
pub(crate) struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
}

impl ClientCredentials {
    /// `None` when no token URL is set (OAuth2 off), as in Argo.
    pub(crate) fn from_config(
        cfg: Option<&OAuth2Config>,
    ) -> Result<Option<ClientCredentials>, ProviderError> {
        let Some(cfg) = cfg else { return Ok(None) };
        let token_url = cfg.token_url.clone().unwrap_or_default();
        if token_url.is_empty() {
            return Ok(None);
        }
        let client_id = cfg.client_id.clone().unwrap_or_default();
        let client_secret = cfg.client_secret.clone().unwrap_or_default();
        if client_id.is_empty() || client_secret.is_empty() {
            return Err(ProviderError::new(MISSING_OAUTH2));
        }
        Ok(Some(ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scopes: cfg.scopes.clone(),
        }))
    }
}

#[cfg(feature = "live")]
impl ClientCredentials {
    /// Fetches a token and returns the `Authorization` header value. Like Go's auto-detected
    /// auth style, credentials go in a Basic header first, then in the form if that fails.
    /// The error text is what Go's oauth2 transport returns (the caller wraps it).
    pub(crate) async fn authorization(
        &self,
        http: &Http,
        insecure: bool,
        deadline: Instant,
        style: TimeoutStyle,
    ) -> Result<String, String> {
        match self.attempt(http, insecure, deadline, style, true).await {
            Ok(token) => Ok(token),
            Err(_) => self.attempt(http, insecure, deadline, style, false).await,
        }
    }

    async fn attempt(
        &self,
        http: &Http,
        insecure: bool,
        deadline: Instant,
        style: TimeoutStyle,
        in_header: bool,
    ) -> Result<String, String> {
        let mut pairs = vec![("grant_type", "client_credentials".to_string())];
        if !self.scopes.is_empty() {
            pairs.push(("scope", self.scopes.join(" ")));
        }
        let mut headers = vec![(
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        )];
        if in_header {
            let user = encode_component(&self.client_id);
            let pass = encode_component(&self.client_secret);
            headers.push((
                "Authorization".into(),
                format!("Basic {}", base64(format!("{user}:{pass}").as_bytes())),
            ));
        } else {
            pairs.push(("client_id", self.client_id.clone()));
            pairs.push(("client_secret", self.client_secret.clone()));
        }
        let form = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let raw = http
            .exchange(Exchange {
                method: "POST",
                url: &self.token_url,
                headers,
                body: Some(form.into_bytes()),
                insecure,
                deadline,
                style,
            })
            .await
            .map_err(|e| match e {
                HttpError::Transport(m) => m,
                HttpError::Body { message, .. } => {
                    format!("oauth2: cannot fetch token: {message}")
                }
            })?;
        let parsed: Option<TokenResponse> = serde_json::from_str(&raw.body)
            .ok()
            .or_else(|| serde_urlencoded_token(&raw.body));
        if !(200..300).contains(&raw.status) {
            if let Some(t) = parsed.as_ref()
                && let Some(code) = t.error.as_deref()
                && !code.is_empty()
            {
                let mut s = format!("oauth2: {}", go_quote(code));
                let extras = [t.error_description.as_deref(), t.error_uri.as_deref()];
                for extra in extras.into_iter().flatten().filter(|e| !e.is_empty()) {
                    s.push(' ');
                    s.push_str(&go_quote(extra));
                }
                return Err(s);
            }
            return Err(format!(
                "oauth2: cannot fetch token: {}\nResponse: {}",
                status_text(raw.status),
                raw.body
            ));
        }
        let token = parsed.unwrap_or_default();
        let access = token.access_token.unwrap_or_default();
        if access.is_empty() {
            return Err("oauth2: server response missing access_token".into());
        }
        Ok(format!(
            "{} {access}",
            token_type(token.token_type.as_deref().unwrap_or(""))
        ))
    }
}

#[cfg(feature = "live")]
#[derive(Debug, Default, Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    error_uri: Option<String>,
}

/// Token endpoints may answer `application/x-www-form-urlencoded` (Go's oauth2 accepts both).
#[cfg(feature = "live")]
fn serde_urlencoded_token(body: &str) -> Option<TokenResponse> {
    let mut t = TokenResponse::default();
    let mut any = false;
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        any = true;
        let v = Some(v.into_owned());
        match k.as_ref() {
            "access_token" => t.access_token = v,
            "token_type" => t.token_type = v,
            "error" => t.error = v,
            "error_description" => t.error_description = v,
            "error_uri" => t.error_uri = v,
            _ => {}
        }
    }
    any.then_some(t)
}

/// Go's `Token.Type()`: canonical capitalisation of well-known types, `Bearer` when empty.
fn token_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "" | "bearer" => "Bearer".into(),
        "mac" => "MAC".into(),
        "basic" => "Basic".into(),
        _ => t.to_string(),
    }
}

/// Go's `resp.Status`: `401 Unauthorized`.
#[cfg(feature = "live")]
pub(crate) fn status_text(code: u16) -> String {
    match reqwest::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{code} {reason}"),
        None => code.to_string(),
    }
}

/// `url.QueryEscape`, which Go's oauth2 applies to client id and secret in the Basic header.
fn encode_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Standard base64 with padding, for the Basic header.
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                let idx = ((n >> shift) & 63) as usize;
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(all(test, feature = "live"))]
mod tests {
    use super::*;

    #[test]
    fn missing_client_fields_is_argos_error() {
        let cfg = OAuth2Config {
            token_url: Some("http://t/token".into()),
            client_id: Some("id".into()),
            ..Default::default()
        };
        assert_eq!(
            ClientCredentials::from_config(Some(&cfg)).err(),
            Some(ProviderError::new(MISSING_OAUTH2))
        );
        let off = OAuth2Config::default();
        assert!(matches!(
            ClientCredentials::from_config(Some(&off)),
            Ok(None)
        ));
    }

    #[test]
    fn base64_and_token_types() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(token_type("bearer"), "Bearer");
        assert_eq!(token_type(""), "Bearer");
        assert_eq!(token_type("DPoP"), "DPoP");
        assert_eq!(status_text(401), "401 Unauthorized");
    }
}
