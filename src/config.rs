//! Typed settings: defaults, then the TOML file, then `COMMONPLACE_…` environment variables.
//! Validated once at start so the rest of the server can trust them.

use std::{net::SocketAddr, path::Path};

use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use serde::{Deserialize, Serialize};

use crate::domain::site::RegistrationMode;

/// Every setting of the server. `docs/configuration.md` lists each key with its default.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Public host name (and port) of this instance; part of every ActivityPub id.
    pub domain: String,
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// `sqlite://FILE` (default) or `postgres://…`.
    pub database_url: String,
    /// Whether ids use `https://`. Unset: https unless the domain is `localhost` or a loopback address.
    pub https: Option<bool>,
    /// Name shown until an administrator changes it (then the database holds it).
    pub instance_name: String,
    /// Registration mode on first start; later changed through the API.
    pub registration_mode: RegistrationMode,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Connections in the database pool.
    pub pool_size: u32,
    /// Wait before the first retry of a failed delivery, in seconds; it doubles with each
    /// attempt up to six hours, and deliveries are given up after 72 hours.
    pub delivery_retry_seconds: u64,
    /// How long a delivery claimed by a server process stays its own; if that process dies
    /// mid-delivery, another (or the restarted one) takes the delivery over after this.
    pub delivery_claim_seconds: u64,
    /// A `Follow` of a remote group that got no answer is sent again after this many seconds,
    /// then four times longer each time, five times in all: some servers drop the first
    /// `Accept` to an instance they have never seen.
    pub follow_resend_seconds: u64,
    /// How often a remote group that members here belong to is read again (its stewards,
    /// member count, guidelines and recent threads).
    pub group_refresh_seconds: u64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses or CIDR ranges);
    /// their own connections are not capped per address either.
    pub trusted_proxies: TrustedProxies,
    pub limits: Limits,
    pub mastodon: MastodonApi,
    pub network_search: NetworkSearch,
}

/// Search across partner instances (`scope=network`; docs/federation.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkSearch {
    /// Ask partners when someone here searches the network.
    pub ask: bool,
    /// Answer partners' signed searches.
    pub answer: bool,
    /// Partners by domain (`host` or `host:port`). Empty: in allowlist mode every allowed
    /// instance, in open mode none.
    pub partners: Vec<String>,
    /// How long a network search waits for partners, in milliseconds; one that has not
    /// answered by then is skipped and named as skipped.
    pub budget_ms: u64,
}

impl Default for NetworkSearch {
    fn default() -> Self {
        NetworkSearch {
            ask: true,
            answer: true,
            partners: Vec::new(),
            budget_ms: 1500,
        }
    }
}

/// The Mastodon-compatible client API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MastodonApi {
    /// Allow the OAuth `password` grant (an app sends the member's password itself). Off by
    /// default; some older clients and scripts still need it.
    pub password_grant: bool,
    /// Where this server's source code can be had (the AGPL asks operators to offer it to
    /// their users); shown to apps as the instance's `source_url`.
    pub source_url: String,
}

/// Addresses and CIDR ranges, written as a TOML list or, in the environment, as one
/// comma-separated string (`COMMONPLACE_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ListOrText", into = "Vec<String>")]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

#[derive(Deserialize)]
#[serde(untagged)]
enum ListOrText {
    List(Vec<String>),
    Text(String),
}

impl TryFrom<ListOrText> for TrustedProxies {
    type Error = String;

    fn try_from(value: ListOrText) -> Result<Self, String> {
        let items = match value {
            ListOrText::List(items) => items,
            ListOrText::Text(text) => text.split(',').map(str::to_string).collect(),
        };
        items
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        format!("trusted_proxies: {s:?} is neither an address nor a CIDR range")
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl std::str::FromStr for TrustedProxies {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        TrustedProxies::try_from(ListOrText::Text(s.to_string()))
    }
}

impl From<TrustedProxies> for Vec<String> {
    fn from(value: TrustedProxies) -> Self {
        value.0.iter().map(ToString::to_string).collect()
    }
}

impl TrustedProxies {
    /// Whether `ip` is one of the proxies (an IPv4 address also in its IPv6-mapped form).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Sizes and rates that bound what one request can ask of the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    /// Longest thread title, in characters.
    pub title_chars: usize,
    /// Largest markdown body of a thread, comment, bio or group text, in bytes (larger: 413).
    pub body_bytes: usize,
    /// Largest request body, in bytes (larger: 413).
    pub request_bytes: usize,
    /// Page size when the client gives none.
    pub default_page_size: i64,
    /// Largest page size a client may ask for.
    pub max_page_size: i64,
    /// Most comments returned with one thread.
    pub comments_per_thread: i64,
    /// Sign-in and registration attempts per client address per minute (more: 429).
    pub auth_attempts_per_minute: u32,
    /// Threads and comments one member may post per minute, through any door (more: 429).
    pub posts_per_minute: u32,
    /// Seconds a client has to send a request's headers before its connection is closed.
    pub header_read_seconds: u64,
    /// Seconds a connection may stay open with no request in flight.
    pub idle_seconds: u64,
    /// Open connections one client address may hold (an IPv6 client: its /64); more are
    /// closed as they arrive.
    pub connections_per_address: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            domain: "localhost:8080".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://commonplace.db".into(),
            https: None,
            instance_name: "Commonplace".into(),
            registration_mode: RegistrationMode::Open,
            log_format: LogFormat::Text,
            pool_size: 8,
            delivery_retry_seconds: 30,
            delivery_claim_seconds: 120,
            follow_resend_seconds: 600,
            group_refresh_seconds: 86_400,
            trusted_proxies: TrustedProxies::default(),
            limits: Limits::default(),
            mastodon: MastodonApi::default(),
            network_search: NetworkSearch::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title_chars: 200,
            body_bytes: 50_000,
            request_bytes: 1024 * 1024,
            default_page_size: 20,
            max_page_size: 100,
            comments_per_thread: 1000,
            auth_attempts_per_minute: 30,
            posts_per_minute: 20,
            header_read_seconds: 30,
            idle_seconds: 60,
            connections_per_address: 256,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// Defaults, then `path` if it exists (or must exist when given explicitly), then the environment.
    ///
    /// # Errors
    /// A file that does not parse, a value of the wrong type, or a value that fails validation.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) if !p.exists() => {
                return Err(ConfigError::Invalid {
                    key: "--config",
                    message: format!("file {} does not exist", p.display()),
                })
            }
            Some(p) => figment = figment.merge(Toml::file_exact(p)),
            None => figment = figment.merge(Toml::file("commonplace.toml")),
        }
        let config: Config = figment
            .merge(
                Env::prefixed("COMMONPLACE_")
                    .split("__")
                    .ignore(&["test_database_url"]),
            )
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// # Errors
    /// The first setting that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key, message: &str| {
            Err(ConfigError::Invalid {
                key,
                message: message.to_string(),
            })
        };
        if self.domain.is_empty()
            || self.domain.contains('/')
            || url::Url::parse(&format!("http://{}/", self.domain)).is_err()
        {
            return bad(
                "domain",
                "must be a host name with an optional port, e.g. example.org",
            );
        }
        if !(self.database_url.starts_with("sqlite://")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return bad("database_url", "must start with sqlite:// or postgres://");
        }
        if self.delivery_claim_seconds < 15 && self.uses_https() {
            return bad(
                "delivery_claim_seconds",
                "must be at least 15 (deliveries take up to 15 s)",
            );
        }
        if !(60..=31_536_000).contains(&self.group_refresh_seconds) {
            return bad(
                "group_refresh_seconds",
                "must be between 60 and 31536000 (a year)",
            );
        }
        if self.follow_resend_seconds == 0 {
            return bad("follow_resend_seconds", "must be at least 1");
        }
        if self.delivery_retry_seconds == 0 || self.delivery_claim_seconds == 0 {
            return bad(
                "delivery_retry_seconds",
                "delivery_retry_seconds and delivery_claim_seconds must be at least 1",
            );
        }
        if self.pool_size == 0 {
            return bad("pool_size", "must be at least 1");
        }
        if !(100..=10_000).contains(&self.network_search.budget_ms) {
            return bad(
                "network_search.budget_ms",
                "must be between 100 and 10000 milliseconds",
            );
        }
        let l = &self.limits;
        if l.title_chars == 0 || l.body_bytes == 0 || l.request_bytes < l.body_bytes {
            return bad(
                "limits",
                "title_chars and body_bytes must be positive and request_bytes at least body_bytes",
            );
        }
        if l.default_page_size < 1 || l.max_page_size < l.default_page_size {
            return bad("limits", "need 1 <= default_page_size <= max_page_size");
        }
        if l.comments_per_thread < 1 || l.auth_attempts_per_minute == 0 || l.posts_per_minute == 0 {
            return bad(
                "limits",
                "comments_per_thread, auth_attempts_per_minute and posts_per_minute must be positive",
            );
        }
        if l.header_read_seconds == 0 || l.idle_seconds == 0 || l.connections_per_address == 0 {
            return bad(
                "limits",
                "header_read_seconds, idle_seconds and connections_per_address must be positive",
            );
        }
        if l.header_read_seconds > 86_400 || l.idle_seconds > 86_400 {
            return bad(
                "limits",
                "header_read_seconds and idle_seconds are at most 86400 (a day)",
            );
        }
        Ok(())
    }

    /// https unless told otherwise or serving a loopback name (`localhost`, `*.localhost`,
    /// `127.x`), as in tests and local trials.
    pub fn uses_https(&self) -> bool {
        self.https.unwrap_or_else(|| {
            let host = self.domain.split(':').next().unwrap_or_default();
            !(host == "localhost"
                || host.ends_with(".localhost")
                || host.starts_with("127.")
                || host == "[::1]")
        })
    }

    /// `https://domain` or `http://domain`, without a trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.uses_https() { "https" } else { "http" };
        format!("{scheme}://{}", self.domain)
    }
}

#[cfg(test)]
// Jail's closures must return figment's own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "site.toml",
                "domain = \"community.example.org\"\nregistration_mode = \"approval\"\n[limits]\nbody_bytes = 10000\n",
            )?;
            jail.set_env("COMMONPLACE_LIMITS__BODY_BYTES", "20000");
            jail.set_env("COMMONPLACE_BIND", "0.0.0.0:9000");
            let c = Config::load(Some(Path::new("site.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.domain, "community.example.org");
            assert_eq!(c.registration_mode, RegistrationMode::Approval);
            assert_eq!(c.limits.body_bytes, 20_000);
            assert_eq!(
                c.limits.title_chars, 200,
                "untouched keys keep their default"
            );
            assert_eq!(c.bind.port(), 9000);
            assert!(c.uses_https());
            assert_eq!(c.base_url(), "https://community.example.org");
            Ok(())
        });
    }

    #[test]
    fn defaults_need_no_file_and_serve_plain_http_on_localhost() {
        Jail::expect_with(|_| {
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.database_url, "sqlite://commonplace.db");
            assert_eq!(c.base_url(), "http://localhost:8080");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges_from_a_list_or_a_string() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "site.toml",
                "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n",
            )?;
            let c = Config::load(Some(Path::new("site.toml"))).map_err(|e| e.to_string())?;
            let p = &c.trusted_proxies;
            assert!(p.contains("127.0.0.1".parse().expect("ip")));
            assert!(p.contains("::ffff:127.0.0.1".parse().expect("ip")));
            assert!(p.contains("10.20.30.40".parse().expect("ip")));
            assert!(p.contains("::1".parse().expect("ip")));
            assert!(!p.contains("127.0.0.2".parse().expect("ip")));
            jail.set_env("COMMONPLACE_TRUSTED_PROXIES", "192.0.2.1, 198.51.100.0/24");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert!(c
                .trusted_proxies
                .contains("198.51.100.7".parse().expect("ip")));
            assert!(!c.trusted_proxies.contains("127.0.0.1".parse().expect("ip")));
            jail.set_env("COMMONPLACE_TRUSTED_PROXIES", "nginx");
            let err = Config::load(None).expect_err("a name refused").to_string();
            assert!(err.contains("trusted_proxies"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_deploy_example_is_valid() {
        Jail::expect_with(|_| {
            let path = Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/deploy/commonplace.toml"
            ));
            let c = Config::load(Some(path)).map_err(|e| e.to_string())?;
            assert!(c.trusted_proxies.contains("127.0.0.1".parse().expect("ip")));
            Ok(())
        });
    }

    #[test]
    fn bad_settings_are_refused_with_their_key() {
        Jail::expect_with(|jail| {
            assert!(Config::load(Some(Path::new("missing.toml"))).is_err());
            jail.set_env("COMMONPLACE_DATABASE_URL", "mysql://x");
            let err = Config::load(None).expect_err("mysql refused").to_string();
            assert!(err.contains("database_url"), "{err}");
            jail.set_env("COMMONPLACE_DATABASE_URL", "sqlite://x.db");
            jail.set_env("COMMONPLACE_DOMAIN", "https://example.org/");
            let err = Config::load(None)
                .expect_err("URL refused as domain")
                .to_string();
            assert!(err.contains("domain"), "{err}");
            jail.set_env("COMMONPLACE_DOMAIN", "example.org");
            jail.set_env("COMMONPLACE_LIMITS__MAX_PAGE_SIZE", "5");
            let err = Config::load(None)
                .expect_err("page sizes refused")
                .to_string();
            assert!(err.contains("page_size"), "{err}");
            Ok(())
        });
    }
}
