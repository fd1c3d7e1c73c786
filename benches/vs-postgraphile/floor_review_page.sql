-- The floor: Quire's review page (tests/queries/review_page.graphql) as one
-- hand-written statement, the whole response JSON built by PostgreSQL.
-- run.sh drives it with pgbench -M prepared (the slug variable becomes a
-- parameter) and checks once, through psql, that it returns the same 50
-- versions as Quire. No colon before a name in these comments: pgbench
-- would take it for a variable.
--
-- Same rows, same order as Project.reviewQueue: the project's PENDING
-- versions by id ascending (UUIDv7: oldest first), 50 of them, the count of
-- all of them (from the per-project counts Quire keeps, as Quire reads it;
-- PostGraphile has no such table and counts the rows); files in link order (at most 20), approvals by id (at most
-- 10), the source run with its steps by position. Public IDs and cursors are
-- made as Quire makes them (src/domain/ids.rs, pagination.rs: prefix_ + the
-- UUID's hex; a cursor is the UUID's 16 bytes in unpadded base64url).
--
-- What it costs (10k versions, PostgreSQL 15, pgbench with one client, the
-- 2-core bench machine, 2026-11-23): about 4 ms per page, half of it in
-- building the ~280 step objects (json_build_object + json_agg, about 6 us
-- an object: a plain aggregate of their positions instead brings the page to
-- about 2.2 ms); jsonb_ functions instead of json_ double it. PostGraphile's
-- own single statement returns text arrays and builds the JSON in Node, so
-- it costs PostgreSQL less than this statement does (about 2 ms per page).
WITH p AS (SELECT * FROM projects WHERE slug = :slug),
-- One row more than the page: whether there is a next page.
page AS (SELECT v.* FROM p, artifact_versions v
         WHERE v.project_id = p.id AND v.status = 'PENDING'
         ORDER BY v.id LIMIT 51),
first50 AS (SELECT * FROM page ORDER BY id LIMIT 50)
SELECT json_build_object(
  'id', 'prj_' || replace(p.id::text, '-', ''),
  'name', p.name,
  'contextVersion', p.context_version,
  'reviewQueue', json_build_object(
    -- The count Quire keeps (src/domain/version_counts.rs), as Quire reads it.
    'totalCount', (SELECT coalesce(sum(c.versions), 0) FROM version_counts c
                   WHERE c.project_id = p.id AND c.status = 'PENDING'),
    'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) > 50 FROM page),
      'endCursor', (SELECT rtrim(translate(encode(uuid_send(q.id), 'base64'), '+/', '-_'), '=')
                    FROM first50 q ORDER BY q.id DESC LIMIT 1)),
    'edges', (SELECT coalesce(json_agg(json_build_object(
      'cursor', rtrim(translate(encode(uuid_send(v.id), 'base64'), '+/', '-_'), '='),
      'node', json_build_object(
        'id', 'ver_' || replace(v.id::text, '-', ''),
        'schemaKey', v.schema_key,
        'versionNumber', v.version_number,
        'status', v.status,
        'value', v.value,
        'digest', v.digest,
        'createdAt', v.created_at,
        'createdBy', json_build_object(
          'id', 'tok_' || replace(v.created_by_id::text, '-', ''),
          'name', v.created_by_name, 'type', v.created_by_type),
        'files', (SELECT coalesce(json_agg(json_build_object(
            'id', 'fil_' || replace(f.id::text, '-', ''),
            'url', '/files/fil_' || replace(f.id::text, '-', ''),
            'sha256', f.sha256, 'contentType', f.content_type,
            'size', f.size, 'filename', f.filename) ORDER BY l.sort), '[]')
          FROM (SELECT * FROM artifact_version_files
                WHERE version_id = v.id ORDER BY sort LIMIT 20) l
          JOIN files f ON f.id = l.file_id),
        'approvals', (SELECT coalesce(json_agg(json_build_object(
            'id', 'apv_' || replace(a.id::text, '-', ''),
            'action', a.action, 'reason', a.reason, 'createdAt', a.created_at,
            'actor', json_build_object(
              'id', 'tok_' || replace(a.actor_id::text, '-', ''),
              'name', a.actor_name, 'type', a.actor_type)) ORDER BY a.id), '[]')
          FROM (SELECT * FROM approvals
                WHERE version_id = v.id ORDER BY id LIMIT 10) a),
        'sourceRun', (SELECT json_build_object(
            'id', 'run_' || replace(r.id::text, '-', ''),
            'model', r.model, 'cost', r.cost,
            'inputTokens', r.input_tokens, 'outputTokens', r.output_tokens,
            'status', r.status,
            'steps', (SELECT coalesce(json_agg(json_build_object(
                'order', s.position, 'agentName', s.agent_name, 'model', s.model,
                'inputTokens', s.input_tokens, 'outputTokens', s.output_tokens,
                'cost', s.cost) ORDER BY s.position), '[]')
              FROM run_steps s WHERE s.run_id = r.id))
          FROM runs r WHERE r.id = v.source_run_id))
      ) ORDER BY v.id), '[]')
      FROM first50 v)))
FROM p;
