//! Browser pages served from the binary: the GraphiQL playground and the
//! review console. Each is a bundle of files built from pinned npm packages
//! by a script beside them (`assets/*/build/build.sh`) and embedded at
//! compile time, so a page loads nothing from outside Quire (it works behind
//! a firewall, and no third party serves code to a page where tokens are
//! pasted). Each bundle has its own content security policy.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
pub(crate) struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The files of one page and the policy they are served under.
pub(crate) struct Bundle {
    /// What a missing file is called in the 404's text.
    what: &'static str,
    policy: &'static str,
    assets: &'static [Asset],
    etags: OnceLock<Vec<HeaderValue>>,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// GraphiQL at /graphiql/ (its page is also what a browser asking /graphql
/// for HTML gets). GraphiQL sets inline styles from script; images and fonts
/// come from itself or data: URLs.
pub(crate) static PLAYGROUND: Bundle = Bundle {
    what: "playground asset",
    policy: "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    assets: &[
        Asset {
            name: "index.html",
            content_type: HTML,
            bytes: include_bytes!("../../assets/graphiql/index.html"),
        },
        Asset {
            name: "graphiql.js",
            content_type: JS,
            bytes: include_bytes!("../../assets/graphiql/graphiql.js"),
        },
        Asset {
            name: "graphiql.css",
            content_type: CSS,
            bytes: include_bytes!("../../assets/graphiql/graphiql.css"),
        },
        Asset {
            name: "LICENSES.txt",
            content_type: TEXT,
            bytes: include_bytes!("../../assets/graphiql/LICENSES.txt"),
        },
    ],
    etags: OnceLock::new(),
};

/// The review console at /console/. No inline script or style; previews of
/// a version's files are blob: URLs made from downloads through the API.
pub(crate) static CONSOLE: Bundle = Bundle {
    what: "console asset",
    policy: "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob:; frame-src 'self' blob:; \
     object-src 'self' blob:; connect-src 'self' ws: wss:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'",
    assets: &[
        Asset {
            name: "index.html",
            content_type: HTML,
            bytes: include_bytes!("../../assets/console/index.html"),
        },
        Asset {
            name: "console.js",
            content_type: JS,
            bytes: include_bytes!("../../assets/console/console.js"),
        },
        Asset {
            name: "console.css",
            content_type: CSS,
            bytes: include_bytes!("../../assets/console/console.css"),
        },
        Asset {
            name: "LICENSES.txt",
            content_type: TEXT,
            bytes: include_bytes!("../../assets/console/LICENSES.txt"),
        },
    ],
    etags: OnceLock::new(),
};

impl Bundle {
    /// A strong validator per file: the assets change only with the binary.
    fn etag(&self, index: usize) -> &HeaderValue {
        let tags = self.etags.get_or_init(|| {
            self.assets
                .iter()
                .map(|a| {
                    let digest = hex::encode(&Sha256::digest(a.bytes)[..12]);
                    HeaderValue::from_str(&format!("\"{digest}\"")).expect("hex is a header value")
                })
                .collect()
        });
        &tags[index]
    }

    /// The file `name`, or 404.
    pub(crate) fn respond(&self, name: &str, headers: &HeaderMap) -> Response {
        let Some(index) = self.assets.iter().position(|a| a.name == name) else {
            return (StatusCode::NOT_FOUND, format!("no such {}", self.what)).into_response();
        };
        let asset = &self.assets[index];
        let etag = self.etag(index);
        let mut response = if headers.get(IF_NONE_MATCH) == Some(etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(CONTENT_TYPE, asset.content_type)], asset.bytes).into_response()
        };
        let h = response.headers_mut();
        h.insert(ETAG, etag.clone());
        // Revalidated on each load: an upgraded server serves new assets at once.
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(self.policy),
        );
        response
    }
}

/// GET /graphiql/{asset}: the playground's script, styles and licences.
pub(crate) async fn playground_asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    PLAYGROUND.respond(&name, &headers)
}

/// GET /console/: the console's page.
pub(crate) async fn console_page(headers: HeaderMap) -> Response {
    CONSOLE.respond("index.html", &headers)
}

/// GET /console: to /console/, where the page's relative asset paths resolve.
pub(crate) async fn console_redirect() -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(LOCATION, HeaderValue::from_static("/console/"))],
    )
        .into_response()
}

/// GET /console/{asset}: the console's script, styles and licences.
pub(crate) async fn console_asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    CONSOLE.respond(&name, &headers)
}
