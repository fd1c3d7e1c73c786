//! README.md's tables of options, rendered from the options themselves
//! (variable, default and help, group by group as `quire serve --help`
//! shows them), so the README cannot restate a default that has changed:
//! the test fails when the README's copy differs, and rewrites it when
//! `QUIRE_TEST_UPDATE_README=1`.

use clap::{ArgAction, Args, Command};

use super::ServeConfig;

const BEGIN: &str = "<!-- options: generated from src/config by `QUIRE_TEST_UPDATE_README=1 cargo test --lib config` -->\n";
const END: &str = "<!-- end of options -->\n";

/// A default as the table shows it: the value, and for sizes and times the
/// value in larger units.
fn shown(variable: &str, value: &str) -> String {
    let Ok(n) = value.parse::<u64>() else {
        return format!("`{value}`");
    };
    let unit = |size: u64, name: &str| {
        (n >= size && n % size == 0).then(|| format!("{} {name}", n / size))
    };
    let larger = if variable.ends_with("_BYTES") {
        unit(1 << 20, "MiB").or_else(|| unit(1 << 10, "KiB"))
    } else if variable.ends_with("_SECS") {
        unit(86_400, "days").or_else(|| unit(3_600, "h"))
    } else if variable.ends_with("_MS") {
        unit(1_000, "s")
    } else if variable.ends_with("_US") {
        unit(1_000, "ms")
    } else {
        None
    };
    match larger {
        Some(larger) => format!("{n} ({})", larger.replace("1 days", "1 day")),
        None => n.to_string(),
    }
}

/// The tables: one per heading of `quire serve --help`, the options without
/// a heading (logging and the demo switch) first, as "General".
fn render() -> String {
    // Logging first: its options are the CLI's own, under no heading.
    let command = ServeConfig::augment_args(crate::telemetry::TelemetryConfig::augment_args(
        Command::new("quire"),
    ));
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for arg in command.get_arguments() {
        let Some(variable) = arg.get_env().and_then(|v| v.to_str()) else {
            continue;
        };
        let values: Vec<_> = arg
            .get_default_values()
            .iter()
            .filter_map(|v| v.to_str())
            .collect();
        let default = match (arg.get_action(), values.as_slice()) {
            (ArgAction::SetTrue, _) => "off".to_owned(),
            (_, []) => "unset".to_owned(),
            (_, values) => shown(variable, &values.join(",")),
        };
        let mut meaning = arg.get_help().map(ToString::to_string).unwrap_or_default();
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| format!("`{}`", v.get_name()))
            .collect();
        if !choices.is_empty() && choices != ["`true`", "`false`"] {
            meaning = format!("{meaning}: {}", choices.join(" or "));
        }
        let row = format!(
            "| `{variable}` | {default} | {} |",
            meaning.trim_end_matches('.').replace('|', "\\|")
        );
        let heading = arg.get_help_heading().unwrap_or("General").to_owned();
        match groups.iter_mut().find(|(name, _)| *name == heading) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((heading, vec![row])),
        }
    }
    let mut out = String::from(BEGIN);
    for (heading, rows) in groups {
        out +=
            &format!("\n**{heading}**\n\n| variable | default | meaning |\n| --- | --- | --- |\n");
        for row in rows {
            out += &row;
            out.push('\n');
        }
    }
    out + "\n" + END
}

#[test]
fn readme_lists_every_option_with_its_default() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let (Some(begin), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md has no generated table of options (between {BEGIN:?} and {END:?})");
    };
    let expected = render();
    let current = &readme[begin..end + END.len()];
    if current == expected {
        return;
    }
    if std::env::var_os("QUIRE_TEST_UPDATE_README").is_some() {
        let updated = format!(
            "{}{expected}{}",
            &readme[..begin],
            &readme[end + END.len()..]
        );
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    panic!(
        "README.md's table of options is out of date; run QUIRE_TEST_UPDATE_README=1 cargo test --lib config, or paste:\n{expected}"
    );
}
