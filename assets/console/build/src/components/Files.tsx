// Files of a version: fetched with the token as blobs (the API's URLs need
// the Authorization header), previewed from object URLs where that is safe
// (raster and SVG images in <img>, which runs no script; PDF; plain text and
// JSON as text), downloaded from object URLs otherwise.

import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fetchFile } from '../api/client';
import type { FileFieldsFragment } from '../generated/graphql';
import { fmtBytes } from '../lib/format';
import { ErrorBox } from './ErrorBox';

type Kind = 'image' | 'pdf' | 'text' | null;

function previewKind(ct: string): Kind {
  const t = ct.split(';')[0]!.trim().toLowerCase();
  if (/^image\/(png|jpeg|gif|webp|avif|bmp|svg\+xml)$/.test(t)) return 'image';
  if (t === 'application/pdf') return 'pdf';
  if (t === 'text/plain' || t === 'application/json' || t === 'text/markdown' || t === 'text/csv' || t.endsWith('+json')) return 'text';
  return null;
}

const TEXT_LIMIT = 256 * 1024;

function FileRow({ f, primary }: { f: FileFieldsFragment; primary: boolean }): VNode {
  const kind = previewKind(f.contentType);
  const [url, setUrl] = useState<string | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const urls = useRef<string[]>([]);

  useEffect(
    () => () => {
      urls.current.forEach((u) => URL.revokeObjectURL(u));
    },
    [],
  );

  const load = async (): Promise<Blob | null> => {
    setBusy(true);
    setErr(null);
    try {
      return await fetchFile(f.url);
    } catch (e) {
      setErr(e);
      return null;
    } finally {
      setBusy(false);
    }
  };

  const preview = async (): Promise<void> => {
    const blob = await load();
    if (!blob) return;
    if (kind === 'text') {
      const part = blob.size > TEXT_LIMIT ? blob.slice(0, TEXT_LIMIT) : blob;
      setText((await part.text()) + (blob.size > TEXT_LIMIT ? '\n… (first 256 KiB shown; download for all)' : ''));
    } else {
      // Typed by what the API declared, so the browser renders it as that type only.
      const typed = new Blob([blob], { type: f.contentType });
      const u = URL.createObjectURL(typed);
      urls.current.push(u);
      setUrl(u);
    }
  };

  const download = async (): Promise<void> => {
    const blob = await load();
    if (!blob) return;
    const u = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
    urls.current.push(u);
    const a = document.createElement('a');
    a.href = u;
    a.download = f.filename || f.id;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  };

  const name = f.filename || f.id;
  return (
    <li class="file">
      <div class="file-head">
        <span class="file-name">{name}</span>
        {primary && <span class="tag">primary</span>}
        <span class="muted">
          {f.contentType} · {fmtBytes(f.size)} · sha256 <code title={f.sha256}>{f.sha256.slice(0, 12)}…</code>
        </span>
        <span class="file-actions">
          {kind && !url && text === null && (
            <button type="button" class="btn small" onClick={preview} disabled={busy} aria-label={`Preview ${name}`}>
              Preview
            </button>
          )}
          <button type="button" class="btn small" onClick={download} disabled={busy} aria-label={`Download ${name}`}>
            Download
          </button>
        </span>
      </div>
      {busy && <p class="muted" role="status">Fetching {name}…</p>}
      <ErrorBox error={err} />
      {url && kind === 'image' && <img class="file-img" src={url} alt={`Preview of ${name}`} />}
      {url && kind === 'pdf' && (
        <object class="file-pdf" data={url} type="application/pdf" aria-label={`Preview of ${name}`}>
          <p>
            This browser shows no PDF here: use Download.
          </p>
        </object>
      )}
      {text !== null && (
        <pre class="file-text" tabIndex={0} aria-label={`Contents of ${name}`}>
          {text}
        </pre>
      )}
    </li>
  );
}

export function FileList({ files, primaryId }: { files: FileFieldsFragment[]; primaryId?: string | null }): VNode {
  if (files.length === 0) return <p class="muted">No files.</p>;
  return (
    <ul class="files">
      {files.map((f) => (
        <FileRow key={f.id} f={f} primary={f.id === primaryId} />
      ))}
    </ul>
  );
}
