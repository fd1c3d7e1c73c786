//! Object stores reached by URL. S3 (`s3://bucket/prefix`, `s3a://`, and
//! AWS or R2 `https://` URLs) is configured as the AWS tools are, from the
//! `AWS_*` environment, with any options given over it; this is the one
//! place that does it, for the server and for `quire gc` alike. Other URLs
//! that object_store knows (`memory://`) are opened as they are.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreScheme, RetryConfig};

use super::StorageError;

/// A store opened from a URL.
pub(super) struct Remote {
    /// For serving: object_store's patient retries.
    pub store: Arc<dyn ObjectStore>,
    /// The same store with one quick retry, for the startup check: one that
    /// cannot be reached fails in seconds, not after a minute of backoff.
    pub probe: Arc<dyn ObjectStore>,
    pub prefix: Path,
    /// Said after a failed check: what the configuration leaves to chance.
    pub hint: Option<&'static str>,
}

/// Opens `url`. `options` go over the environment's settings: for S3, the
/// names of the `AWS_*` variables (`AWS_ENDPOINT_URL`, ...) or object_store's
/// keys for them (`endpoint`, ...), in any case.
pub(super) fn open(url: &url::Url, options: &[(String, String)]) -> Result<Remote, StorageError> {
    let (scheme, prefix) =
        ObjectStoreScheme::parse(url).map_err(|e| StorageError::Config(e.to_string()))?;
    if scheme != ObjectStoreScheme::AmazonS3 {
        let (store, prefix) = object_store::parse_url_opts(url, options.iter().cloned())?;
        let store: Arc<dyn ObjectStore> = Arc::from(store);
        return Ok(Remote {
            probe: store.clone(),
            store,
            prefix,
            hint: None,
        });
    }
    let builder = s3_builder(url.as_str(), options)?;
    let hint = credentials_from_metadata(&builder).then_some(
        "no AWS_ACCESS_KEY_ID is set, so credentials were asked of the instance metadata \
         service, which only a cloud VM has; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
    Ok(Remote {
        store: Arc::new(builder.clone().build()?),
        probe: Arc::new(builder.with_retry(quick_retry()).build()?),
        prefix,
        hint,
    })
}

/// S3 settings: the environment, then `options`, then the URL (bucket).
/// With an endpoint (MinIO, Ceph, R2, moto), requests are path-style
/// (`{endpoint}/{bucket}/{key}`) unless AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true;
/// a plain-HTTP endpoint needs AWS_ALLOW_HTTP=true.
fn s3_builder(url: &str, options: &[(String, String)]) -> Result<AmazonS3Builder, StorageError> {
    let mut builder = AmazonS3Builder::from_env();
    for (key, value) in options {
        let parsed: AmazonS3ConfigKey = key
            .to_ascii_lowercase()
            .parse()
            .map_err(|_| StorageError::Config(format!("unknown S3 setting {key}")))?;
        builder = builder.with_config(parsed, value);
    }
    let builder = builder.with_url(url);
    let endpoint = builder
        .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
    let allow_http = builder
        .get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp))
        .is_some_and(|v| truthy(&v));
    if let Some(endpoint) = endpoint
        && endpoint.to_ascii_lowercase().starts_with("http://")
        && !allow_http
    {
        return Err(StorageError::Config(format!(
            "the S3 endpoint {endpoint} is plain HTTP: set AWS_ALLOW_HTTP=true to use it \
             (for a server on a private network, such as a local MinIO)"
        )));
    }
    Ok(builder)
}

/// As object_store reads a boolean setting.
fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes" | "y"
    )
}

/// Whether nothing names credentials, so that the client will ask the
/// cloud's instance metadata service (169.254.169.254) for them.
fn credentials_from_metadata(builder: &AmazonS3Builder) -> bool {
    let set = |key| builder.get_config_value(&key).is_some();
    let skip_signature = builder
        .get_config_value(&AmazonS3ConfigKey::SkipSignature)
        .is_some_and(|v| truthy(&v));
    !skip_signature
        && !set(AmazonS3ConfigKey::AccessKeyId)
        && !set(AmazonS3ConfigKey::WebIdentityTokenFile)
        && !set(AmazonS3ConfigKey::ContainerCredentialsRelativeUri)
        && !set(AmazonS3ConfigKey::ContainerCredentialsFullUri)
}

fn quick_retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(1),
            base: 2.0,
        },
        max_retries: 1,
        retry_timeout: Duration::from_secs(10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_endpoint_means_path_style_requests() {
        let builder = s3_builder(
            "s3://photos/quire",
            &options(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
                ("AWS_ALLOW_HTTP", "true"),
                ("AWS_ACCESS_KEY_ID", "k"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
            ]),
        )
        .unwrap();
        assert_eq!(
            builder
                .get_config_value(&AmazonS3ConfigKey::VirtualHostedStyleRequest)
                .as_deref(),
            Some("false")
        );
        assert!(!credentials_from_metadata(&builder));
        let remote = open(
            &"s3://photos/quire".parse().unwrap(),
            &options(&[
                ("aws_endpoint", "http://127.0.0.1:9000"),
                ("aws_allow_http", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(remote.prefix.as_ref(), "quire");
    }

    #[test]
    fn a_plain_http_endpoint_needs_allow_http() {
        let Err(err) = s3_builder(
            "s3://photos",
            &options(&[("AWS_ENDPOINT_URL", "http://minio:9000")]),
        ) else {
            panic!("plain HTTP was taken without AWS_ALLOW_HTTP");
        };
        assert!(err.to_string().contains("AWS_ALLOW_HTTP=true"), "{err}");
        let Err(err) = s3_builder("s3://photos", &options(&[("AWS_NO_SUCH", "1")])) else {
            panic!("an unknown setting was taken");
        };
        assert!(err.to_string().contains("AWS_NO_SUCH"), "{err}");
    }
}
