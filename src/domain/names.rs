//! How people, groups and servers are named across instances: one rule for `name@host`.

use url::Url;

/// `host[:port]` of a URL: a server's domain as our ids, handles and origin checks use it
/// (the port included, unlike the federation library's checks).
pub fn authority(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// `name@host` of an actor with ActivityPub id `ap_id` (empty host for an id that is not a URL).
pub fn handle(name: &str, ap_id: &str) -> String {
    let host = Url::parse(ap_id).map(|u| authority(&u)).unwrap_or_default();
    format!("{name}@{host}")
}

/// The name this instance knows an actor by: `name` when it is ours, `name@host` from
/// elsewhere (what the member and group routes take).
pub fn local_handle(local: bool, name: &str, ap_id: &str) -> String {
    if local {
        name.to_string()
    } else {
        handle(name, ap_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_keep_the_port_and_drop_the_scheme() {
        assert_eq!(handle("ada", "https://a.example/u/ada"), "ada@a.example");
        assert_eq!(
            handle("ada", "http://a.localhost:8080/u/ada"),
            "ada@a.localhost:8080"
        );
        assert_eq!(local_handle(true, "ada", "https://a.example/u/ada"), "ada");
        assert_eq!(
            local_handle(false, "ada", "https://a.example/u/ada"),
            "ada@a.example"
        );
        assert_eq!(handle("ada", "not a url"), "ada@");
    }
}
