-- The point-read floor: Quire's point read (benches/load.rs: a version with
-- its files and approvals) as one statement, JSON built by PostgreSQL, for
-- one of the 100 ids run.sh passes (-D ids='{...}', -M prepared).
\set i random(1, 100)
SELECT json_build_object(
  'id', 'ver_' || replace(v.id::text, '-', ''),
  'schemaKey', v.schema_key,
  'versionNumber', v.version_number,
  'status', v.status,
  'value', v.value,
  'files', (SELECT coalesce(json_agg(json_build_object(
      'id', 'fil_' || replace(f.id::text, '-', ''),
      'url', '/files/fil_' || replace(f.id::text, '-', '')) ORDER BY l.sort), '[]')
    FROM (SELECT * FROM artifact_version_files
          WHERE version_id = v.id ORDER BY sort LIMIT 20) l
    JOIN files f ON f.id = l.file_id),
  'approvals', (SELECT coalesce(json_agg(json_build_object(
      'action', a.action,
      'actor', json_build_object('name', a.actor_name)) ORDER BY a.id), '[]')
    FROM (SELECT * FROM approvals
          WHERE version_id = v.id ORDER BY id LIMIT 10) a))
FROM artifact_versions v
WHERE v.id = (:ids::uuid[])[:i];
