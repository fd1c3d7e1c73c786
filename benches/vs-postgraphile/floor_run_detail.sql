-- The floor of the run detail page (tests/queries/run_detail.graphql) as one
-- statement, JSON built by PostgreSQL, for one of the 100 run ids run.sh
-- passes (-D ids='{...}', -M prepared), as floor_point_read.sql does.
-- Steps by position, outputs and inputs in link order (ties by version id),
-- 100 of each at most; an output's files in link order (20 at most) and its
-- approvals by id (10 at most).
\set i random(1, 100)
SELECT json_build_object(
  'id', 'run_' || replace(r.id::text, '-', ''),
  'pipeline', r.pipeline, 'model', r.model, 'status', r.status, 'cost', r.cost,
  'inputTokens', r.input_tokens, 'outputTokens', r.output_tokens,
  'createdAt', r.created_at, 'completedAt', r.completed_at,
  'steps', (SELECT coalesce(json_agg(json_build_object(
      'id', 'stp_' || replace(s.id::text, '-', ''),
      'order', s.position, 'agentName', s.agent_name, 'model', s.model,
      'inputTokens', s.input_tokens, 'outputTokens', s.output_tokens,
      'cost', s.cost, 'summary', s.summary) ORDER BY s.position), '[]')
    FROM (SELECT * FROM run_steps WHERE run_id = r.id ORDER BY position LIMIT 100) s),
  'outputs', (SELECT coalesce(json_agg(json_build_object(
      'id', 'ver_' || replace(v.id::text, '-', ''),
      'schemaKey', v.schema_key, 'versionNumber', v.version_number,
      'status', v.status, 'digest', v.digest, 'value', v.value,
      'files', (SELECT coalesce(json_agg(json_build_object(
          'id', 'fil_' || replace(f.id::text, '-', ''),
          'url', '/files/fil_' || replace(f.id::text, '-', ''),
          'sha256', f.sha256, 'contentType', f.content_type,
          'size', f.size, 'filename', f.filename) ORDER BY fl.sort), '[]')
        FROM (SELECT * FROM artifact_version_files
              WHERE version_id = v.id ORDER BY sort LIMIT 20) fl
        JOIN files f ON f.id = fl.file_id),
      'approvals', (SELECT coalesce(json_agg(json_build_object(
          'id', 'apv_' || replace(a.id::text, '-', ''),
          'action', a.action, 'reason', a.reason, 'createdAt', a.created_at,
          'actor', json_build_object(
            'id', 'tok_' || replace(a.actor_id::text, '-', ''),
            'name', a.actor_name, 'type', a.actor_type)) ORDER BY a.id), '[]')
        FROM (SELECT * FROM approvals WHERE version_id = v.id ORDER BY id LIMIT 10) a)
      ) ORDER BY l.sort, l.version_id), '[]')
    FROM (SELECT * FROM run_artifacts WHERE run_id = r.id AND direction = 'OUTPUT'
          ORDER BY sort, version_id LIMIT 100) l
    JOIN artifact_versions v ON v.id = l.version_id),
  'inputs', (SELECT coalesce(json_agg(json_build_object(
      'id', 'ver_' || replace(v.id::text, '-', ''),
      'schemaKey', v.schema_key, 'versionNumber', v.version_number)
      ORDER BY l.sort, l.version_id), '[]')
    FROM (SELECT * FROM run_artifacts WHERE run_id = r.id AND direction = 'INPUT'
          ORDER BY sort, version_id LIMIT 100) l
    JOIN artifact_versions v ON v.id = l.version_id))
FROM runs r
WHERE r.id = (:ids::uuid[])[:i];
