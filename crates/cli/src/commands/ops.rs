//! `nifty-ghl ops list|show`: the operations catalog, for people choosing what a recipe step
//! can do and for scripts (`--json`). It reads nothing but the built-in catalog.

use engine::catalog::{self, Kind, Operation};

use crate::cli::{OpKind, OpsCommand};
use crate::output::{input_error, print_json, table};

pub fn run(json: bool, command: OpsCommand) -> anyhow::Result<()> {
    match command {
        OpsCommand::List { kind } => list(json, kind),
        OpsCommand::Show { name } => show(json, &name),
    }
}

fn list(json: bool, kind: Option<OpKind>) -> anyhow::Result<()> {
    let wanted = kind.map(|k| match k {
        OpKind::Action => Kind::Action,
        OpKind::Trigger => Kind::Trigger,
    });
    let operations: Vec<&Operation> = catalog::all()
        .iter()
        .filter(|op| wanted.is_none_or(|k| op.kind == k))
        .collect();
    if json {
        return print_json(&operations);
    }
    let mut out = table(&[
        "NAME",
        "SERVICE",
        "KIND",
        "METHOD",
        "PATH",
        "AUTH",
        "DESCRIPTION",
    ]);
    for op in &operations {
        out.add_row(vec![
            op.name.to_owned(),
            op.service.as_str().to_owned(),
            op.kind.as_str().to_owned(),
            op.method.map_or("-", |m| m.as_str()).to_owned(),
            op.path.unwrap_or("-").to_owned(),
            auth(op),
            op.description.to_owned(),
        ]);
    }
    println!("{out}");
    println!("{} operation(s)", operations.len());
    Ok(())
}

/// What authorises the call: a GHL OAuth scope, or the kind of NiftyImages key it takes.
fn auth(op: &Operation) -> String {
    match (op.scope, op.key_kind) {
        (Some(scope), _) => scope.to_owned(),
        (None, Some(kind)) => format!("{kind} key"),
        (None, None) => "-".to_owned(),
    }
}

fn show(json: bool, name: &str) -> anyhow::Result<()> {
    let op = catalog::lookup(name).map_err(|unknown| {
        input_error(format!(
            "{unknown} (`nifty-ghl ops list` shows every operation)"
        ))
    })?;
    if json {
        return print_json(op);
    }
    let dash = |value: Option<&str>| value.unwrap_or("-").to_owned();
    let mut out = table(&["FIELD", "VALUE"]);
    let rows = [
        ("name", op.name.to_owned()),
        ("service", op.service.as_str().to_owned()),
        ("kind", op.kind.as_str().to_owned()),
        ("description", op.description.to_owned()),
        ("method", dash(op.method.map(|m| m.as_str()))),
        ("path", dash(op.path)),
        (
            "body",
            dash(op.body.map(|b| match b {
                catalog::Body::Json => "JSON",
                catalog::Body::Form => "form-encoded",
            })),
        ),
        ("query inputs", op.query.join(", ")),
        ("scope", dash(op.scope)),
        (
            "key kind",
            op.key_kind.map(|k| format!("{k} key")).unwrap_or_default(),
        ),
        ("event type", dash(op.event_type)),
        ("required inputs", op.required_inputs().join(", ")),
        (
            "and one of",
            op.at_least_one_of()
                .iter()
                .map(|group| group.join(" | "))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ];
    for (field, value) in rows {
        if value.is_empty() {
            continue;
        }
        out.add_row(vec![field.to_owned(), value]);
    }
    println!("{out}");
    println!("input schema:");
    println!("{}", serde_json::to_string_pretty(&op.input_schema)?);
    Ok(())
}
