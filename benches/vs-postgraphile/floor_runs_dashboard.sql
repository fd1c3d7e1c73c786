-- The floor of the runs dashboard (tests/queries/runs_dashboard.graphql): the
-- whole response as one hand-written statement, JSON built by PostgreSQL,
-- driven by pgbench -M prepared as floor_review_page.sql is (see there; no
-- colon before a name in these comments: pgbench would take it for a
-- variable).
--
-- Same rows, same order as Project.runs: the project's runs newest first (id
-- descending, UUIDv7), 50 of them, the count of all of them; each with its
-- steps by position and its output versions in link order, ties by version
-- id, 100 of each at most.
WITH p AS (SELECT * FROM projects WHERE slug = :slug),
page AS (SELECT r.* FROM p, runs r WHERE r.project_id = p.id ORDER BY r.id DESC LIMIT 51),
first50 AS (SELECT * FROM page ORDER BY id DESC LIMIT 50)
SELECT json_build_object(
  'runs', json_build_object(
    'totalCount', (SELECT count(*) FROM p, runs r WHERE r.project_id = p.id),
    'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) > 50 FROM page),
      'endCursor', (SELECT rtrim(translate(encode(uuid_send(q.id), 'base64'), '+/', '-_'), '=')
                    FROM first50 q ORDER BY q.id LIMIT 1)),
    'edges', (SELECT coalesce(json_agg(json_build_object(
      'cursor', rtrim(translate(encode(uuid_send(r.id), 'base64'), '+/', '-_'), '='),
      'node', json_build_object(
        'id', 'run_' || replace(r.id::text, '-', ''),
        'pipeline', r.pipeline, 'model', r.model, 'status', r.status, 'cost', r.cost,
        'inputTokens', r.input_tokens, 'outputTokens', r.output_tokens,
        'createdAt', r.created_at,
        'steps', (SELECT coalesce(json_agg(json_build_object(
            'order', s.position, 'agentName', s.agent_name, 'model', s.model,
            'inputTokens', s.input_tokens, 'outputTokens', s.output_tokens,
            'cost', s.cost) ORDER BY s.position), '[]')
          FROM (SELECT * FROM run_steps WHERE run_id = r.id ORDER BY position LIMIT 100) s),
        'outputs', (SELECT coalesce(json_agg(json_build_object(
            'id', 'ver_' || replace(v.id::text, '-', ''),
            'schemaKey', v.schema_key, 'versionNumber', v.version_number,
            'status', v.status, 'digest', v.digest) ORDER BY l.sort, l.version_id), '[]')
          FROM (SELECT * FROM run_artifacts WHERE run_id = r.id AND direction = 'OUTPUT'
                ORDER BY sort, version_id LIMIT 100) l
          JOIN artifact_versions v ON v.id = l.version_id))
      ) ORDER BY r.id DESC), '[]')
      FROM first50 r)))
FROM p;
