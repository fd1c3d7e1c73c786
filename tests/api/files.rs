//! Files: both upload paths, downloads with ranges, dedup, limits, scoping,
//! links to versions and garbage collection.

use std::process::Command;

use entity::file;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, ETAG, RANGE};
use reqwest::multipart::{Form, Part};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{TestServer, code};

backend_tests!(
    upload_download_and_dedup,
    limits_leave_nothing_behind,
    scoping_links_and_gc
);

/// Bytes that are not all alike, so that ranges and digests mean something.
fn sample(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + seed as usize) % 251) as u8)
        .collect()
}

async fn post_file(
    s: &TestServer,
    token: &str,
    bytes: Vec<u8>,
    content_type: &str,
    name: &str,
) -> (StatusCode, Value) {
    let res = s
        .http
        .post(s.url(&format!("/files?filename={name}")))
        .bearer_auth(token)
        .header(CONTENT_TYPE, content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn multipart_upload(
    s: &TestServer,
    token: &str,
    bytes: Vec<u8>,
    name: &str,
) -> (StatusCode, Value) {
    let operations = json!({
        "query": "mutation($file: Upload!) { uploadFile(file: $file) { id sha256 size contentType filename url } }",
        "variables": { "file": null }
    });
    let form = Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part(
            "0",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = s
        .http
        .post(s.url("/graphql"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

/// Blob and staging files under the storage folder.
fn stored_files(s: &TestServer) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&s.storage, &mut out);
    out
}

async fn file_rows(s: &TestServer) -> u64 {
    file::Entity::find().count(&s.db.conn).await.unwrap()
}

async fn upload_download_and_dedup(s: TestServer) {
    let writer = s.token("WRITER", None).await;
    let logo = sample(3 * 1024 * 1024 + 17, 7);
    let (status, plain) = post_file(&s, &writer, logo.clone(), "image/png", "logo.png").await;
    assert_eq!(status, StatusCode::CREATED, "{plain}");
    assert_eq!(plain["size"], logo.len());
    assert_eq!(plain["contentType"], "image/png");
    assert_eq!(plain["filename"], "logo.png");
    let id = plain["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("fil_"));
    assert_eq!(plain["url"], format!("/files/{id}"));

    let res = s
        .http
        .get(s.url(&format!("/files/{id}")))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "image/png");
    assert_eq!(
        res.headers()["content-length"],
        logo.len().to_string().as_str()
    );
    assert_eq!(
        res.headers()[ETAG],
        format!("\"{}\"", plain["sha256"].as_str().unwrap()).as_str()
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), logo.as_slice());

    // Ranges.
    let res = s
        .http
        .get(s.url(&format!("/files/{id}")))
        .bearer_auth(&writer)
        .header(RANGE, "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        res.headers()[CONTENT_RANGE],
        format!("bytes 10-19/{}", logo.len()).as_str()
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), &logo[10..20]);
    let res = s
        .http
        .get(s.url(&format!("/files/{id}")))
        .bearer_auth(&writer)
        .header(RANGE, "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().as_ref(), &logo[logo.len() - 5..]);
    let res = s
        .http
        .get(s.url(&format!("/files/{id}")))
        .bearer_auth(&writer)
        .header(RANGE, "bytes=999999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    // The multipart path; the same bytes are the same file.
    let (status, body) = multipart_upload(&s, &writer, logo.clone(), "again.png").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["uploadFile"]["id"], id.as_str());
    let pdf = sample(200_000, 99);
    let (_, body) = multipart_upload(&s, &writer, pdf.clone(), "brief.pdf").await;
    let pdf_file = &body["data"]["uploadFile"];
    assert_eq!(pdf_file["contentType"], "application/pdf");
    assert_eq!(pdf_file["filename"], "brief.pdf");
    assert_ne!(pdf_file["id"], id.as_str());
    let res = s
        .http
        .get(s.url(pdf_file["url"].as_str().unwrap()))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf.as_slice());
    assert_eq!(file_rows(&s).await, 2);
    let blobs: Vec<_> = stored_files(&s)
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("staging"))
        .collect();
    assert_eq!(blobs.len(), 2, "{blobs:?}");

    // Downloads need a token; readers may download; writers only may upload.
    let res = s
        .http
        .get(s.url(&format!("/files/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let reader = s.token("READER", None).await;
    let res = s
        .http
        .get(s.url(&format!("/files/{id}")))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body) = post_file(&s, &reader, vec![1, 2, 3], "text/plain", "x.txt").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "FORBIDDEN");
    let data = s
        .admin(
            "query($id: ID!) { node(id: $id) { ... on File { size filename } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["node"]["size"], logo.len());
}

async fn limits_leave_nothing_behind(default: TestServer) {
    let s = default.sibling(|c| c.max_upload_bytes = 64 * 1024).await;
    let big = sample(64 * 1024 + 1, 3);
    let (status, body) = post_file(
        &s,
        &s.admin,
        big.clone(),
        "application/octet-stream",
        "big.bin",
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    // Streamed without a length, the limit is found while writing.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(4096).map(|c| Ok(c.to_vec())).collect();
    let res = s
        .http
        .post(s.url("/files"))
        .bearer_auth(&s.admin)
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (status, body) = multipart_upload(&s, &s.admin, big, "big.pdf").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(code(&body["errors"][0]), "PAYLOAD_TOO_LARGE");
    assert_eq!(file_rows(&s).await, 0);
    assert_eq!(
        stored_files(&s),
        Vec::<std::path::PathBuf>::new(),
        "partial blobs were left behind"
    );
    // Exactly at the limit is fine.
    let (status, _) = post_file(
        &s,
        &s.admin,
        sample(64 * 1024, 3),
        "application/octet-stream",
        "ok.bin",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn scoping_links_and_gc(s: TestServer) {
    let mine = s.create_project("mine").await;
    s.create_project("theirs").await;
    let (_, f1) = post_file(&s, &s.admin, sample(1000, 1), "image/svg+xml", "a.svg").await;
    let (_, f2) = post_file(&s, &s.admin, sample(2000, 2), "image/png", "b.png").await;
    let (_, orphan) = post_file(&s, &s.admin, sample(3000, 3), "text/plain", "c.txt").await;
    let (f1, f2, orphan) = (
        f1["id"].as_str().unwrap(),
        f2["id"].as_str().unwrap(),
        orphan["id"].as_str().unwrap(),
    );

    let create = "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id digest files { id } primaryFile { id filename } } }";
    let data = s
        .admin(create, json!({ "input": { "projectId": mine, "schemaKey": "brand.logo", "value": {"alt": "logo"}, "fileIds": [f1, f2], "primaryFileId": f2 } }))
        .await;
    let version = &data["createArtifactVersion"];
    assert_eq!(version["files"], json!([{ "id": f1 }, { "id": f2 }]));
    assert_eq!(
        version["primaryFile"],
        json!({ "id": f2, "filename": "b.png" })
    );
    let plain = s
        .create_version(&mine, "brand.logo", json!({"alt": "logo"}), None)
        .await;
    assert_ne!(
        plain["digest"], version["digest"],
        "the digest covers the files"
    );
    let (_, body) = s
        .post(Some(&s.admin), create, json!({ "input": { "projectId": mine, "schemaKey": "k", "value": 1, "fileIds": ["fil_00000000000000000000000000000000"] } }))
        .await;
    assert_eq!(code(&body["errors"][0]), "NOT_FOUND");

    // A scoped token sees files its project's versions link, and no others.
    let scoped = s.token("READER", Some(&mine)).await;
    let get = |id: &str, token: &str| {
        s.http
            .get(s.url(&format!("/files/{id}")))
            .bearer_auth(token.to_owned())
            .send()
    };
    assert_eq!(get(f1, &scoped).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get(orphan, &scoped).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let theirs_project = s
        .admin("{ project(slug: \"theirs\") { id } }", json!({}))
        .await["project"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = s.token("READER", Some(&theirs_project)).await;
    assert_eq!(
        get(f1, &theirs).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // gc: the unlinked file goes, linked ones stay.
    let gc = |dry: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_quire"));
        cmd.args(["gc", "--grace-secs", "0"])
            .env("QUIRE_DATABASE_URL", &s.database_url)
            .env("QUIRE_STORAGE_URL", &s.storage);
        if dry {
            cmd.arg("--dry-run");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let report = gc(true);
    assert!(
        report.contains(orphan) && report.contains("would delete 1 unlinked file(s), 3000 bytes"),
        "{report}"
    );
    assert_eq!(
        get(orphan, &s.admin).await.unwrap().status(),
        StatusCode::OK
    );
    let report = gc(false);
    assert!(report.contains("deleted 1 unlinked file(s)"), "{report}");
    assert_eq!(
        get(orphan, &s.admin).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(f2, &s.admin).await.unwrap().status(), StatusCode::OK);
    assert_eq!(file_rows(&s).await, 2);
}
