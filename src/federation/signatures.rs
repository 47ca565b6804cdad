//! RFC 9421 HTTP Message Signatures on incoming requests, as Mastodon 4.5 and later send them.
//! Draft-cavage signatures (the `Signature` header alone) are checked by the federation library;
//! a request with `Signature-Input` is checked here.
//!
//! Supported: one signature per request (the first label present in both `Signature-Input` and
//! `Signature`); `created` and `keyid` required; `@method` and `@target-uri` must be covered, and
//! `content-digest` too on a POST, whose `sha-256` or `sha-512` digest must match the body; the
//! derived components `@method`, `@target-uri`, `@authority`, `@scheme`, `@request-target`,
//! `@path`, `@query`, and header fields without parameters; algorithms `rsa-v1_5-sha256` (also
//! when `alg` is absent, as Mastodon signs) and `rsa-pss-sha512`.

use axum::http::{HeaderMap, Method};
use rsa::{pkcs8::DecodePublicKey, Pkcs1v15Sign, RsaPublicKey};
use sfv::{BareItem, Dictionary, FieldType, InnerList, Item, List, ListEntry, Parser};
use sha2::{Digest, Sha256, Sha512};

use crate::error::{Error, Result};

/// How far `created` may be from our clock, as for the `Date` of draft signatures.
const WINDOW_SECONDS: i64 = 3600;

/// Whether the request is signed the RFC 9421 way.
pub fn is_message_signature(headers: &HeaderMap) -> bool {
    headers.contains_key("signature-input")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    RsaPkcs1Sha256,
    RsaPssSha512,
}

/// A signature whose form, time and covered parts were checked; only the key is left to try.
#[derive(Debug)]
pub struct Checked {
    base: String,
    signature: Vec<u8>,
    algorithm: Algorithm,
    /// The `keyid` the sender named.
    pub key_id: String,
}

fn bad(message: impl Into<String>) -> Error {
    Error::BadSignature(message.into())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str> {
    headers
        .get(name)
        .ok_or_else(|| bad(format!("missing {name} header")))?
        .to_str()
        .map_err(|_| bad(format!("unreadable {name} header")))
}

/// The request as the signer saw it.
pub struct Request<'a> {
    pub method: &'a Method,
    /// `scheme://authority/path?query`, as the sender addressed it.
    pub target_uri: &'a url::Url,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Checks everything but the key: the headers' form, the time window, what is covered, the body
/// digest; and builds the signature base.
///
/// # Errors
/// [`Error::BadSignature`] saying what does not hold.
pub fn check(request: &Request<'_>, now: i64) -> Result<Checked> {
    let inputs: Dictionary = Parser::new(header(request.headers, "signature-input")?)
        .parse()
        .map_err(|e| bad(format!("unreadable Signature-Input: {e}")))?;
    let signatures: Dictionary = Parser::new(header(request.headers, "signature")?)
        .parse()
        .map_err(|e| bad(format!("unreadable Signature: {e}")))?;
    let (label, input) = inputs
        .iter()
        .find(|(label, _)| signatures.contains_key(label.as_str()))
        .ok_or_else(|| bad("no signature matches a Signature-Input label"))?;
    let ListEntry::InnerList(input) = input else {
        return Err(bad("Signature-Input members must be inner lists"));
    };
    let signature = match signatures.get(label.as_str()) {
        Some(ListEntry::Item(Item {
            bare_item: BareItem::ByteSequence(bytes),
            ..
        })) => bytes.clone(),
        _ => return Err(bad("the signature must be a byte sequence")),
    };

    let param = |name: &str| input.params.get(name);
    let created = param("created")
        .and_then(BareItem::as_integer)
        .map(i64::from)
        .ok_or_else(|| bad("the signature must have a created time"))?;
    if (now - created).abs() > WINDOW_SECONDS {
        return Err(bad("the signature's created time is too far from now"));
    }
    if let Some(expires) = param("expires") {
        let expires = expires
            .as_integer()
            .map(i64::from)
            .ok_or_else(|| bad("unreadable expires"))?;
        if expires < now {
            return Err(bad("the signature has expired"));
        }
    }
    let key_id = param("keyid")
        .and_then(BareItem::as_string)
        .map(|s| s.as_str().to_string())
        .ok_or_else(|| bad("the signature must name its keyid"))?;
    let algorithm = match param("alg") {
        None => Algorithm::RsaPkcs1Sha256,
        Some(alg) => match alg.as_string().map(|s| s.as_str()) {
            Some("rsa-v1_5-sha256") => Algorithm::RsaPkcs1Sha256,
            Some("rsa-pss-sha512") => Algorithm::RsaPssSha512,
            other => return Err(bad(format!("unsupported signature algorithm {other:?}"))),
        },
    };

    let names = component_names(input)?;
    for required in ["@method", "@target-uri"] {
        if !names.iter().any(|n| n == required) {
            return Err(bad(format!("{required} must be signed")));
        }
    }
    if request.method == Method::POST {
        if !names.iter().any(|n| n == "content-digest") {
            return Err(bad("content-digest must be signed on a POST"));
        }
        check_content_digest(request.headers, request.body)?;
    }

    let mut base = String::new();
    for (item, name) in input.items.iter().zip(&names) {
        base.push_str(&item.serialize());
        base.push_str(": ");
        base.push_str(&component_value(request, name)?);
        base.push('\n');
    }
    let params = List::from([ListEntry::InnerList(input.clone())])
        .serialize()
        .ok_or_else(|| bad("empty signature parameters"))?;
    base.push_str("\"@signature-params\": ");
    base.push_str(&params);
    Ok(Checked {
        base,
        signature,
        algorithm,
        key_id,
    })
}

/// The covered component names, each once and without parameters (none are supported).
fn component_names(input: &InnerList) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for item in &input.items {
        let name = item
            .bare_item
            .as_string()
            .map(|s| s.as_str().to_string())
            .ok_or_else(|| bad("covered components must be strings"))?;
        if !item.params.is_empty() {
            return Err(bad(format!(
                "component parameters are not supported ({name})"
            )));
        }
        if names.contains(&name) {
            return Err(bad(format!("{name} is covered twice")));
        }
        names.push(name);
    }
    Ok(names)
}

fn component_value(request: &Request<'_>, name: &str) -> Result<String> {
    let uri = request.target_uri;
    let authority = || match (uri.host_str(), uri.port()) {
        (Some(h), Some(p)) => format!("{}:{p}", h.to_ascii_lowercase()),
        (Some(h), None) => h.to_ascii_lowercase(),
        _ => String::new(),
    };
    Ok(match name {
        "@method" => request.method.as_str().to_string(),
        "@target-uri" => uri.to_string(),
        "@authority" => authority(),
        "@scheme" => uri.scheme().to_ascii_lowercase(),
        "@path" => uri.path().to_string(),
        "@query" => format!("?{}", uri.query().unwrap_or_default()),
        "@request-target" => match uri.query() {
            Some(q) => format!("{}?{q}", uri.path()),
            None => uri.path().to_string(),
        },
        derived if derived.starts_with('@') => {
            return Err(bad(format!("unsupported component {derived}")))
        }
        field => {
            let values: Vec<String> = request
                .headers
                .get_all(field)
                .iter()
                .map(|v| {
                    v.to_str()
                        .map(|s| s.trim().to_string())
                        .map_err(|_| bad(format!("unreadable {field} header")))
                })
                .collect::<Result<_>>()?;
            if values.is_empty() {
                return Err(bad(format!("the signed header {field} is missing")));
            }
            values.join(", ")
        }
    })
}

/// RFC 9530 `Content-Digest`: every digest we can compute must match the body, and there must
/// be one.
fn check_content_digest(headers: &HeaderMap, body: &[u8]) -> Result<()> {
    let digests: Dictionary = Parser::new(header(headers, "content-digest")?)
        .parse()
        .map_err(|e| bad(format!("unreadable Content-Digest: {e}")))?;
    let mut checked = 0;
    for (algorithm, entry) in &digests {
        let expected: Vec<u8> = match algorithm.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        match entry {
            ListEntry::Item(Item {
                bare_item: BareItem::ByteSequence(given),
                ..
            }) if *given == expected => checked += 1,
            _ => return Err(bad("Content-Digest does not match the body")),
        }
    }
    if checked == 0 {
        return Err(bad("Content-Digest has no sha-256 or sha-512 digest"));
    }
    Ok(())
}

impl Checked {
    /// Verifies the signature with the sender's public key (PEM).
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not verify.
    pub fn verify(&self, public_key_pem: &str) -> Result<()> {
        let key = RsaPublicKey::from_public_key_pem(public_key_pem)
            .map_err(|_| bad("the sender's public key is not an RSA key we can read"))?;
        let verified = match self.algorithm {
            Algorithm::RsaPkcs1Sha256 => key.verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(self.base.as_bytes()),
                &self.signature,
            ),
            Algorithm::RsaPssSha512 => key.verify(
                rsa::Pss::new::<Sha512>(),
                &Sha512::digest(self.base.as_bytes()),
                &self.signature,
            ),
        };
        verified.map_err(|_| bad("the signature does not verify"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn the_signature_base_follows_rfc_9421() {
        let body = br#"{"hello": "world"}"#;
        let digest = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
        let headers = request_headers(&[
            ("signature-input", "sig-b22=(\"@authority\" \"content-digest\" \"@query\" \"@method\" \"@target-uri\");created=1618884473;keyid=\"test-key-rsa-pss\";alg=\"rsa-pss-sha512\""),
            ("signature", "sig-b22=:AAAA:"),
            ("content-digest", digest),
        ]);
        let uri = url::Url::parse("https://example.com/foo?param=Value&Pet=dog").unwrap();
        let checked = check(
            &Request {
                method: &Method::POST,
                target_uri: &uri,
                headers: &headers,
                body,
            },
            1_618_884_473,
        )
        .unwrap();
        assert_eq!(
            checked.base,
            "\"@authority\": example.com\n\
             \"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n\
             \"@query\": ?param=Value&Pet=dog\n\
             \"@method\": POST\n\
             \"@target-uri\": https://example.com/foo?param=Value&Pet=dog\n\
             \"@signature-params\": (\"@authority\" \"content-digest\" \"@query\" \"@method\" \"@target-uri\");created=1618884473;keyid=\"test-key-rsa-pss\";alg=\"rsa-pss-sha512\""
        );
        assert_eq!(checked.algorithm, Algorithm::RsaPssSha512);
        assert_eq!(checked.key_id, "test-key-rsa-pss");
    }

    #[test]
    fn incomplete_or_stale_signatures_are_refused() {
        let body = b"{}";
        let uri = url::Url::parse("https://a.example/inbox").unwrap();
        let digest = "sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:";
        let try_with = |input: &str, digest: &str, now: i64| {
            let headers = request_headers(&[
                ("signature-input", input),
                ("signature", "sig1=:AAAA:"),
                ("content-digest", digest),
            ]);
            check(
                &Request {
                    method: &Method::POST,
                    target_uri: &uri,
                    headers: &headers,
                    body,
                },
                now,
            )
            .map(|_| ())
        };
        let good = "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1000;keyid=\"k\"";
        assert!(try_with(good, digest, 1000).is_ok());
        // Stale, or from the future.
        assert!(try_with(good, digest, 1000 + 7200).is_err());
        assert!(try_with(good, digest, 1000 - 7200).is_err());
        // The body is not the one digested.
        assert!(try_with(good, "sha-256=:AAAA:", 1000).is_err());
        // Missing created, keyid, @target-uri or content-digest; an unknown algorithm.
        for input in [
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\");keyid=\"k\"",
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1000",
            "sig1=(\"@method\" \"content-digest\");created=1000;keyid=\"k\"",
            "sig1=(\"@method\" \"@target-uri\");created=1000;keyid=\"k\"",
            "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1000;keyid=\"k\";alg=\"hmac-sha256\"",
            "other=(\"@method\" \"@target-uri\" \"content-digest\");created=1000;keyid=\"k\"",
        ] {
            assert!(try_with(input, digest, 1000).is_err(), "{input}");
        }
    }
}
