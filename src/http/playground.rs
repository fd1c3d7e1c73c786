//! The GraphiQL playground, served from the binary: its page, script,
//! styles and licences are built from npm packages by
//! `assets/graphiql/build/build.sh` and embedded at compile time, so the
//! page loads nothing from outside Quire (it works behind a firewall, and
//! no third party serves code to the page where tokens are pasted).

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The page's policy: its own script and styles (GraphiQL sets inline
/// styles from script), images and fonts from itself or data: URLs, and
/// requests back to this server only.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/index.html"),
    },
    Asset {
        name: "graphiql.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.js"),
    },
    Asset {
        name: "graphiql.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.css"),
    },
    Asset {
        name: "LICENSES.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/LICENSES.txt"),
    },
];

impl Asset {
    /// A strong validator: the assets change only with the binary.
    fn etag(&self) -> &'static HeaderValue {
        static TAGS: OnceLock<Vec<HeaderValue>> = OnceLock::new();
        let tags = TAGS.get_or_init(|| {
            ASSETS
                .iter()
                .map(|a| {
                    let digest = hex::encode(&Sha256::digest(a.bytes)[..12]);
                    HeaderValue::from_str(&format!("\"{digest}\"")).expect("hex is a header value")
                })
                .collect()
        });
        let index = ASSETS
            .iter()
            .position(|a| a.name == self.name)
            .expect("an asset of the table");
        &tags[index]
    }

    fn respond(&self, headers: &HeaderMap) -> Response {
        let etag = self.etag();
        let mut response = if headers.get(IF_NONE_MATCH) == Some(etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(CONTENT_TYPE, self.content_type)], self.bytes).into_response()
        };
        let h = response.headers_mut();
        h.insert(ETAG, etag.clone());
        // Revalidated on each load: an upgraded server serves new assets at once.
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
        response
    }
}

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The playground page (for a browser asking /graphql for HTML).
pub(crate) fn page(headers: &HeaderMap) -> Response {
    find("index.html")
        .expect("the page is embedded")
        .respond(headers)
}

/// GET /graphiql/{asset}: the page's script, styles and licences.
pub(crate) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match find(&name) {
        Some(asset) => asset.respond(&headers),
        None => (StatusCode::NOT_FOUND, "no such playground asset").into_response(),
    }
}
