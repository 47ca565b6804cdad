//! Browser sessions and what guards them: the session cookie (a bearer token of the foundation's
//! token table, kept where scripts cannot read it), signed CSRF tokens, the language cookie, a
//! one-shot notice after a redirect, and the security headers of every page.

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};
use cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::app::AppState;

pub const SESSION_COOKIE: &str = "cp_session";
/// A random value per browser that CSRF tokens are bound to.
pub const BROWSER_COOKIE: &str = "cp_browser";
pub const LANG_COOKIE: &str = "cp_lang";
pub const NOTICE_COOKIE: &str = "cp_notice";

/// Scripts load from here only; inline script, plugins, framing and foreign form targets are
/// refused. Images may come from other servers (remote avatars, pictures in posts). Scripts
/// may ask this site only (expertise suggestions, the new-thread form's similar threads).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    connect-src 'self'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// The browser value this request carries (or was just given), put here by [`layer`].
#[derive(Debug, Clone)]
pub struct Browser(pub String);

/// A notice to show once (a message key of the catalogue), put here by [`layer`].
#[derive(Debug, Clone)]
pub struct Notice(pub String);

/// Cookie values of a request by name.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A cookie as every cookie of ours is set: the whole site, not for scripts, not sent along
/// with cross-site posts, and only over https where the site is served so.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age_days: Option<i64>) -> HeaderValue {
    let mut c = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(days) = max_age_days {
        c = c.max_age(cookie::time::Duration::days(days));
    }
    HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// Tells the browser to forget a cookie.
pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    let c = Cookie::build((name.to_string(), String::new()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The CSRF token of forms shown to this browser: a MAC of its browser value under a key only
/// the server knows, so another site can neither read nor forge it.
pub fn csrf_token(state: &AppState, browser: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(mac(state, browser).finalize().into_bytes())
}

/// Whether a submitted token is this browser's (compared in constant time).
pub fn csrf_valid(state: &AppState, browser: &str, submitted: &str) -> bool {
    use base64::Engine;
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(submitted) else {
        return false;
    };
    mac(state, browser).verify_slice(&bytes).is_ok()
}

fn mac(state: &AppState, browser: &str) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(state.web_secret.as_slice())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    m.update(b"csrf\0");
    m.update(browser.as_bytes());
    m
}

fn new_browser_value() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs around every page: gives the browser its value if it has none, hands a pending notice
/// to the page (and clears it once shown), and sets the security headers.
pub async fn layer(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let secure = state.config.uses_https();
    let existing = cookie(req.headers(), BROWSER_COOKIE)
        .filter(|v| v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let fresh = existing.is_none();
    let browser = existing.unwrap_or_else(new_browser_value);
    req.extensions_mut().insert(Browser(browser.clone()));
    let notice = cookie(req.headers(), NOTICE_COOKIE)
        .filter(|v| !v.is_empty() && v.len() <= 60)
        .map(str::to_string);
    if let Some(n) = &notice {
        req.extensions_mut().insert(Notice(n.clone()));
    }
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if fresh {
        headers.append(
            header::SET_COOKIE,
            set_cookie(BROWSER_COOKIE, &browser, secure, Some(400)),
        );
    }
    // A notice is shown by the page that follows the redirect; a redirect leaves it in place.
    if notice.is_some() && !res.status().is_redirection() {
        res.headers_mut()
            .append(header::SET_COOKIE, clear_cookie(NOTICE_COOKIE, secure));
    }
    let headers = res.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}
