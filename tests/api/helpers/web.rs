//! The web interface as a browser without script drives it: pages fetched with cookies, forms
//! posted with the token read from the page, redirects looked at one by one.

use std::collections::BTreeMap;

use reqwest::{header, StatusCode};

use super::TestApp;

/// A browser without script: keeps its cookies and the last form token it saw.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
    pub lang: Option<&'static str>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            csrf: None,
            lang: None,
        }
    }

    /// A browser already signed in with a session token.
    pub fn signed_in(app: &TestApp, token: &str) -> Browser {
        let mut b = Browser::new(app);
        b.cookies.insert("cp_session".into(), token.into());
        b
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let mut req = req
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, self.cookie_header());
        if let Some(l) = self.lang {
            req = req.header(header::ACCEPT_LANGUAGE, l);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let body = res.text().await.unwrap();
        if let Some(token) = body
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        {
            self.csrf = Some(token.to_string());
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    /// Posts a form with the token of the last page, as the page's form would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        if let Some(t) = &self.csrf {
            form.push(("_csrf".into(), t.clone()));
        }
        let req = self.client.post(format!("{}{path}", self.base)).form(&form);
        self.send(req).await
    }

    /// Posts a body as typed (already form-encoded), with the token of the last page.
    pub async fn post_raw(&mut self, path: &str, body: &str) -> Answer {
        let csrf = self.csrf.clone().unwrap_or_default();
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("{body}&_csrf={}", urlencoding(&csrf)));
        self.send(req).await
    }

    /// A form posted after opening the page it is on; follows the redirect that answers it.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let shown = self.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.body);
        let answer = self.post(action, fields).await;
        if answer.status == StatusCode::SEE_OTHER {
            let to = answer.location().to_string();
            return self.get(&to).await;
        }
        answer
    }
}

/// A value form-encoded, as a browser sends it.
pub fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
