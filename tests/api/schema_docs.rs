//! The schema as code generators read it: root types named Query, Mutation
//! and Subscription, a description on every type, field, argument, input
//! field and enum value, each custom scalar with its specification, and the
//! scalars' wire format.

use async_graphql::Positioned;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};

use crate::backend_tests;
use crate::common::{Backend, TestServer};

backend_tests!(scalars_keep_their_wire_format);

/// Scalars every GraphQL server has, described by the spec itself.
const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// The custom scalars and the specification each names (none for Decimal).
const SPECIFIED_BY: [(&str, Option<&str>); 4] = [
    (
        "DateTime",
        Some("https://datatracker.ietf.org/doc/html/rfc3339"),
    ),
    ("Decimal", None),
    ("JSON", Some("https://www.rfc-editor.org/rfc/rfc8259")),
    (
        "Upload",
        Some("https://github.com/jaydenseric/graphql-multipart-request-spec"),
    ),
];

/// One element of the schema that a description belongs on.
struct Element {
    /// e.g. `type Run`, `field Run.cost`, `argument Project.runs(first:)`.
    path: String,
    description: Option<String>,
}

impl Element {
    fn new(path: String, description: Option<&str>) -> Self {
        Element {
            path,
            description: description.map(str::to_owned),
        }
    }
}

/// Fails naming every element without a description.
fn assert_all_described(source: &str, elements: &[Element]) {
    let missing: Vec<&str> = elements
        .iter()
        .filter(|e| e.description.as_deref().is_none_or(|d| d.trim().is_empty()))
        .map(|e| e.path.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "{source}: {} of {} schema elements have no description:\n  {}",
        missing.len(),
        elements.len(),
        missing.join("\n  ")
    );
    // Enough elements were walked that the check means something.
    assert!(
        elements.len() > 400,
        "{source}: only {} elements",
        elements.len()
    );
}

fn skipped(type_name: &str) -> bool {
    type_name.starts_with("__") || BUILT_IN_SCALARS.contains(&type_name)
}

fn text(description: &Option<Positioned<String>>) -> Option<&str> {
    description.as_ref().map(|d| d.node.as_str())
}

/// Every element of `quire schema`'s SDL (what schema.graphql holds).
fn sdl_elements(sdl: &str) -> Vec<Element> {
    let document = parse_schema(sdl).expect("the SDL parses");
    let mut out = Vec::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        if skipped(name) {
            continue;
        }
        out.push(Element::new(format!("type {name}"), text(&ty.description)));
        let fields = match &ty.kind {
            TypeKind::Object(o) => Some(&o.fields),
            TypeKind::Interface(i) => Some(&i.fields),
            _ => None,
        };
        for field in fields.into_iter().flatten() {
            let field = &field.node;
            let field_name = field.name.node.as_str();
            out.push(Element::new(
                format!("field {name}.{field_name}"),
                text(&field.description),
            ));
            for arg in &field.arguments {
                out.push(Element::new(
                    format!("argument {name}.{field_name}({}:)", arg.node.name.node),
                    text(&arg.node.description),
                ));
            }
        }
        match &ty.kind {
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    out.push(Element::new(
                        format!("input field {name}.{}", field.node.name.node),
                        text(&field.node.description),
                    ));
                }
            }
            TypeKind::Enum(e) => {
                for value in &e.values {
                    out.push(Element::new(
                        format!("enum value {name}.{}", value.node.value.node),
                        text(&value.node.description),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// Every element of the served schema, from an introspection result.
fn introspected_elements(schema: &Value) -> Vec<Element> {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for ty in list(&schema["types"]) {
        let name = ty["name"].as_str().unwrap();
        if skipped(name) {
            continue;
        }
        out.push(Element::new(
            format!("type {name}"),
            ty["description"].as_str(),
        ));
        for field in list(&ty["fields"]) {
            let field_name = field["name"].as_str().unwrap();
            out.push(Element::new(
                format!("field {name}.{field_name}"),
                field["description"].as_str(),
            ));
            for arg in list(&field["args"]) {
                out.push(Element::new(
                    format!(
                        "argument {name}.{field_name}({}:)",
                        arg["name"].as_str().unwrap()
                    ),
                    arg["description"].as_str(),
                ));
            }
        }
        for field in list(&ty["inputFields"]) {
            out.push(Element::new(
                format!("input field {name}.{}", field["name"].as_str().unwrap()),
                field["description"].as_str(),
            ));
        }
        for value in list(&ty["enumValues"]) {
            out.push(Element::new(
                format!("enum value {name}.{}", value["name"].as_str().unwrap()),
                value["description"].as_str(),
            ));
        }
    }
    out
}

#[test]
fn schema_sdl_describes_everything_and_names_its_roots() {
    let sdl = quire::graphql::sdl();
    assert_all_described("quire schema", &sdl_elements(&sdl));

    let document = parse_schema(&sdl).unwrap();
    let roots = document
        .definitions
        .iter()
        .find_map(|d| match d {
            TypeSystemDefinition::Schema(s) => Some(&s.node),
            _ => None,
        })
        .expect("a schema definition");
    let name = |n: &Option<Positioned<async_graphql::Name>>| n.as_ref().map(|n| n.node.to_string());
    assert_eq!(name(&roots.query).as_deref(), Some("Query"));
    assert_eq!(name(&roots.mutation).as_deref(), Some("Mutation"));
    assert_eq!(name(&roots.subscription).as_deref(), Some("Subscription"));

    for (scalar, url) in SPECIFIED_BY {
        let line = match url {
            Some(url) => format!("scalar {scalar} @specifiedBy(url: \"{url}\")\n"),
            None => format!("scalar {scalar}\n"),
        };
        assert!(sdl.contains(&line), "the SDL lacks `{}`", line.trim());
    }
}

const INTROSPECTION: &str = r#"{ __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types {
    name kind description specifiedByURL
    fields(includeDeprecated: true) { name description args { name description } }
    inputFields { name description }
    enumValues(includeDeprecated: true) { name description }
  }
} }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_schema_describes_everything_and_names_its_roots() {
    let s = TestServer::in_process(Backend::Sqlite, |_| {})
        .await
        .unwrap();
    let data = s.admin(INTROSPECTION, json!({})).await;
    let schema = &data["__schema"];
    assert_all_described("introspection", &introspected_elements(schema));

    assert_eq!(schema["queryType"]["name"], "Query");
    assert_eq!(schema["mutationType"]["name"], "Mutation");
    assert_eq!(schema["subscriptionType"]["name"], "Subscription");

    let types = schema["types"].as_array().unwrap();
    let ty = |name: &str| types.iter().find(|t| t["name"] == name).unwrap();
    for (scalar, url) in SPECIFIED_BY {
        assert_eq!(ty(scalar)["specifiedByURL"].as_str(), url, "{scalar}");
        // Quire's own descriptions, not the ones async-graphql ships with.
        let description = ty(scalar)["description"].as_str().unwrap();
        assert!(
            !description.contains("Implement the") && !description.contains("A scalar that"),
            "{scalar}: {description}"
        );
    }

    // The role guard looks roles up by root type name and field: every
    // mutation the schema serves has a row under the name it serves it by
    // (a mutation without one is refused to everyone).
    let mutation = schema["mutationType"]["name"].as_str().unwrap();
    for field in ty(mutation)["fields"].as_array().unwrap() {
        let field = field["name"].as_str().unwrap();
        assert!(
            quire::graphql::required_role(mutation, field).is_some(),
            "{mutation}.{field} has no role declared beside its resolver"
        );
    }
}

/// JSON, Decimal and DateTime read and write as they always have.
async fn scalars_keep_their_wire_format(s: TestServer) {
    let project = s.create_project("wire").await;
    let value = json!({
        "text": "é \"quoted\"", "int": 12, "big": 9007199254740993u64, "float": 1.5,
        "neg": -3, "none": null, "flag": true, "list": [1, "two", [3], {"four": 4}],
        "nested": {"empty": {}, "also": []}
    });
    let created = s
        .admin(
            "mutation($input: CreateArtifactVersionInput!) { createArtifactVersion(input: $input) { id value annotations } }",
            json!({ "input": { "projectId": project, "schemaKey": "wire.json", "value": value,
                "annotations": "just a string" } }),
        )
        .await;
    let version = &created["createArtifactVersion"];
    assert_eq!(
        version["value"], value,
        "JSON comes back as JSON, not as text"
    );
    assert_eq!(version["annotations"], "just a string");

    // A JSON literal written in the document itself.
    let inline = s
        .admin(
            &format!(
                "mutation {{ createArtifactVersion(input: {{projectId: \"{project}\", schemaKey: \"wire.inline\", \
                 value: {{a: 1, b: [true, null, \"x\"], c: {{d: 2.25}}}}}}) {{ value annotations }} }}"
            ),
            json!({}),
        )
        .await;
    assert_eq!(
        inline["createArtifactVersion"]["value"],
        json!({"a": 1, "b": [true, null, "x"], "c": {"d": 2.25}})
    );
    assert_eq!(inline["createArtifactVersion"]["annotations"], Value::Null);

    // Decimal: strings both ways, shortest exact form out; a JSON number in.
    // DateTime: RFC 3339 in, UTC with +00:00 out.
    let price = s
        .admin(
            "mutation($input: ModelPriceInput!) { setModelPrice(input: $input) { model inputPerMillion outputPerMillion effectiveFrom } }",
            json!({ "input": { "model": "wire-model", "inputPerMillion": "2.50",
                "outputPerMillion": 10, "effectiveFrom": "2026-01-31T10:30:00+01:00" } }),
        )
        .await;
    assert_eq!(
        price["setModelPrice"],
        json!({ "model": "wire-model", "inputPerMillion": "2.5", "outputPerMillion": "10",
            "effectiveFrom": "2026-01-31T09:30:00+00:00" })
    );

    // A Decimal that is not a number is refused, as before.
    let (_, body) = s
        .post(
            Some(&s.admin),
            "mutation($input: ModelPriceInput!) { setModelPrice(input: $input) { model } }",
            json!({ "input": { "model": "m", "inputPerMillion": "not a number", "outputPerMillion": "1" } }),
        )
        .await;
    assert_eq!(
        crate::common::code(&body["errors"][0]),
        "VALIDATION_FAILED",
        "{body}"
    );
}
