//! `sec2 rules`: the registry of rules, for people (a table) and for scripts (JSON): the bench,
//! the demo and the template checks read the rules from here, not from a list of their own.

use std::process::ExitCode;

use clap::ValueEnum;
use sec2_shared::registry::RULES;

use crate::input::emit;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// One line per rule.
    Table,
    /// A JSON array of the registry's entries.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &Args) -> ExitCode {
    let text = match args.format {
        Format::Json => match serde_json::to_string_pretty(RULES) {
            Ok(json) => json,
            Err(err) => return fail(&err.to_string()),
        },
        Format::Table => table(),
    };
    match emit(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("sec2: cannot write the rules: {message}");
    ExitCode::from(2)
}

fn table() -> String {
    let width = RULES.iter().map(|spec| spec.name.len()).max().unwrap_or(4);
    let mut out = String::new();
    for spec in RULES {
        let periodic = if spec.triggers.is_periodic() {
            format!(", daily over {}", spec.triggers.periodic.join(", "))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "sec2-{:<width$}  SEC2 practice {}: {}\n  {}\n  on changes of {}{periodic}\n",
            spec.name,
            spec.practice.number,
            spec.practice.title,
            spec.summary,
            spec.resource_types.join(", "),
        ));
    }
    out
}
