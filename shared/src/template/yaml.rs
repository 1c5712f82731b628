//! A CloudFormation or SAM template read into nodes that keep their line and column. YAML's
//! short-form intrinsic tags become the long form (`!Ref X` is `{Ref: X}`, `!GetAtt A.B` is
//! `{Fn::GetAtt: [A, B]}`), as CloudFormation reads them. JSON templates are YAML too.
//!
//! yaml-rust2 gives every element's line but holds to the YAML specification where libyaml,
//! which CloudFormation's tools use, is lenient (a flow mapping continued at its key's indent, a
//! quoted scalar continued to the left, a single-pair mapping in a flow sequence). A template it
//! refuses is read again with serde_norway (libyaml's port), which has no positions: each
//! resource is then placed at the line that names it, and what is inside it at that line.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a node starts: 1-based line and column (0 when unknown: a template read as JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A value of the template with where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub at: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// As written: `300`, `0.5`.
    Number(String),
    String(String),
    List(Vec<Node>),
    /// Keys in the order written.
    Map(Vec<(String, Node)>),
}

/// Why a template could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadTemplateError {
    #[error("the template is neither YAML nor JSON: {0}")]
    Syntax(String),
    #[error(
        "the template is not a mapping of sections (AWSTemplateFormatVersion, Resources, ...)"
    )]
    NotAMapping,
    #[error("the template holds more than {0} values (aliases included)")]
    TooLarge(usize),
    #[error("the template nests values more than {0} deep")]
    TooDeep(usize),
}

/// More values than any template CloudFormation accepts (1 MB) can hold: what aliases could
/// multiply beyond that is refused rather than expanded.
pub const MAX_NODES: usize = 2_000_000;
/// Deeper than any real template nests.
pub const MAX_DEPTH: usize = 200;

impl Node {
    fn new(kind: Kind, at: Position) -> Node {
        Node { kind, at }
    }

    /// The value under `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(text) | Kind::Number(text) => Some(text),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::List(items) => items,
            _ => &[],
        }
    }

    /// A JSON value as a node without positions (embedded data, such as SAM's policy
    /// templates, resolved like the template's own values).
    pub fn from_json(value: &serde_json::Value) -> Node {
        from_json(value, 0).unwrap_or_else(|_| Node::new(Kind::Null, Position::default()))
    }

    /// The node without positions, as JSON (intrinsics left as they are).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(text) => text
                .parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(text.clone())),
            Kind::String(text) => Value::String(text.clone()),
            Kind::List(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Reads a template's text.
pub fn read(text: &str) -> Result<Node, ReadTemplateError> {
    let mut builder = Builder::default();
    let parsed = Parser::new_from_str(text).load(&mut builder, false);
    if let Some(problem) = builder.problem.take() {
        return Err(problem);
    }
    let node = match parsed {
        Ok(()) => builder.documents.into_iter().next(),
        Err(yaml_error) => match serde_norway::from_str::<serde_norway::Value>(text) {
            Ok(value) => {
                let mut node = from_libyaml(&value, 0)?;
                place_resources(&mut node, text);
                Some(node)
            }
            Err(_) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(json) => Some(from_json(&json, 0)?),
                Err(_) => return Err(ReadTemplateError::Syntax(yaml_error.to_string())),
            },
        },
    };
    match node {
        Some(node) if matches!(node.kind, Kind::Map(_)) => Ok(node),
        _ => Err(ReadTemplateError::NotAMapping),
    }
}

fn from_json(value: &serde_json::Value, depth: usize) -> Result<Node, ReadTemplateError> {
    use serde_json::Value;
    if depth > MAX_DEPTH {
        return Err(ReadTemplateError::TooDeep(MAX_DEPTH));
    }
    let at = Position::default();
    let kind = match value {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => Kind::Number(n.to_string()),
        Value::String(s) => Kind::String(s.clone()),
        Value::Array(items) => Kind::List(
            items
                .iter()
                .map(|item| from_json(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), from_json(v, depth + 1)?)))
                .collect::<Result<_, ReadTemplateError>>()?,
        ),
    };
    Ok(Node::new(kind, at))
}

/// A value serde_norway read, as a node without a position.
fn from_libyaml(value: &serde_norway::Value, depth: usize) -> Result<Node, ReadTemplateError> {
    use serde_norway::Value;
    if depth > MAX_DEPTH {
        return Err(ReadTemplateError::TooDeep(MAX_DEPTH));
    }
    let at = Position::default();
    let kind = match value {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(n) => Kind::Number(n.to_string()),
        Value::String(s) => Kind::String(s.clone()),
        Value::Sequence(items) => Kind::List(
            items
                .iter()
                .map(|item| from_libyaml(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Mapping(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = key_text(&from_libyaml(k, depth + 1)?);
                    Ok((key, from_libyaml(v, depth + 1)?))
                })
                .collect::<Result<_, ReadTemplateError>>()?,
        ),
        Value::Tagged(tagged_value) => {
            let inner = from_libyaml(&tagged_value.value, depth + 1)?;
            let name = tagged_value.tag.to_string();
            let tag = Tag {
                handle: "!".to_owned(),
                suffix: name.trim_start_matches('!').to_owned(),
            };
            return Ok(tagged(inner, Some(tag)));
        }
    };
    Ok(Node::new(kind, at))
}

/// Places each resource of a template read without positions at the first line, after the
/// `Resources` section starts, that names it as a key; what it holds, at the same line.
fn place_resources(root: &mut Node, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|line| {
            line.trim_start().starts_with("Resources:") || line.contains("\"Resources\"")
        })
        .unwrap_or(0);
    let Kind::Map(sections) = &mut root.kind else {
        return;
    };
    let Some((_, resources)) = sections.iter_mut().find(|(key, _)| key == "Resources") else {
        return;
    };
    let Kind::Map(entries) = &mut resources.kind else {
        return;
    };
    for (logical_id, node) in entries.iter_mut() {
        let bare = format!("{logical_id}:");
        let quoted = format!("\"{logical_id}\"");
        let found = lines
            .iter()
            .enumerate()
            .skip(start)
            .find_map(|(index, line)| {
                let trimmed = line.trim_start();
                (trimmed.starts_with(&bare) || trimmed.starts_with(&quoted)).then(|| Position {
                    line: index + 1,
                    column: line.len() - trimmed.len() + 1,
                })
            });
        if let Some(at) = found {
            place(node, at);
        }
    }
}

fn place(node: &mut Node, at: Position) {
    node.at = at;
    match &mut node.kind {
        Kind::List(items) => items.iter_mut().for_each(|item| place(item, at)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(_, value)| place(value, at)),
        _ => {}
    }
}

/// A collection being read, with the tag and anchor it opened with.
enum Open {
    List {
        items: Vec<Node>,
        at: Position,
        tag: Option<Tag>,
        anchor: usize,
    },
    Map {
        entries: Vec<(String, Node)>,
        key: Option<String>,
        at: Position,
        tag: Option<Tag>,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    open: Vec<Open>,
    anchors: HashMap<usize, Node>,
    documents: Vec<Node>,
    nodes: usize,
    problem: Option<ReadTemplateError>,
}

fn position(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.problem.is_some() {
            return;
        }
        let at = position(mark);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let node = tagged(scalar(text, style, at), tag);
                self.add(node, anchor);
            }
            Event::SequenceStart(anchor, tag) => self.push(Open::List {
                items: Vec::new(),
                at,
                tag,
                anchor,
            }),
            Event::MappingStart(anchor, tag) => self.push(Open::Map {
                entries: Vec::new(),
                key: None,
                at,
                tag,
                anchor,
            }),
            Event::SequenceEnd | Event::MappingEnd => match self.open.pop() {
                Some(Open::List {
                    items,
                    at,
                    tag,
                    anchor,
                }) => self.add(tagged(Node::new(Kind::List(items), at), tag), anchor),
                Some(Open::Map {
                    entries,
                    at,
                    tag,
                    anchor,
                    ..
                }) => self.add(tagged(Node::new(Kind::Map(entries), at), tag), anchor),
                None => {}
            },
            Event::Alias(anchor) => {
                // Counted before it is copied: an alias of an alias multiplies.
                self.nodes += self.anchors.get(&anchor).map_or(0, count);
                if self.nodes > MAX_NODES {
                    self.problem = Some(ReadTemplateError::TooLarge(MAX_NODES));
                    return;
                }
                let node = self
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .unwrap_or_else(|| Node::new(Kind::Null, at));
                self.add(node, 0);
            }
            _ => {}
        }
    }
}

impl Builder {
    fn push(&mut self, open: Open) {
        if self.open.len() >= MAX_DEPTH {
            self.problem = Some(ReadTemplateError::TooDeep(MAX_DEPTH));
            return;
        }
        self.open.push(open);
    }

    fn add(&mut self, node: Node, anchor: usize) {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.problem = Some(ReadTemplateError::TooLarge(MAX_NODES));
            return;
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.open.last_mut() {
            None => self.documents.push(node),
            Some(Open::List { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(key_text(&node)),
                Some(name) => entries.push((name, node)),
            },
        }
    }
}

/// How many values a node holds, itself included (what an alias adds).
fn count(node: &Node) -> usize {
    1 + match &node.kind {
        Kind::List(items) => items.iter().map(count).sum(),
        Kind::Map(entries) => entries.iter().map(|(_, v)| count(v)).sum(),
        _ => 0,
    }
}

fn key_text(node: &Node) -> String {
    match &node.kind {
        Kind::String(text) | Kind::Number(text) => text.clone(),
        Kind::Bool(b) => b.to_string(),
        Kind::Null => String::new(),
        _ => node.to_json().to_string(),
    }
}

/// A scalar typed as YAML 1.1 reads a plain one (CloudFormation's reader does the same).
fn scalar(text: String, style: TScalarStyle, at: Position) -> Node {
    if style != TScalarStyle::Plain {
        return Node::new(Kind::String(text), at);
    }
    let kind = match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Kind::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            Kind::Bool(false)
        }
        _ if looks_numeric(&text) => Kind::Number(text),
        _ => Kind::String(text),
    };
    Node::new(kind, at)
}

fn looks_numeric(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit())
}

/// A short-form intrinsic function in its long form; other tags leave the node as it is.
fn tagged(node: Node, tag: Option<Tag>) -> Node {
    let Some(tag) = tag else {
        return node;
    };
    if tag.handle != "!" || tag.suffix.is_empty() {
        // `!!str` and other standard tags: the value as written.
        return match (tag.suffix.as_str(), node.kind) {
            ("str", Kind::Number(text)) => Node::new(Kind::String(text), node.at),
            ("str", Kind::Null) => Node::new(Kind::String(String::new()), node.at),
            (_, kind) => Node::new(kind, node.at),
        };
    }
    let name = match tag.suffix.as_str() {
        "Ref" => "Ref".to_owned(),
        "Condition" => "Condition".to_owned(),
        other => format!("Fn::{other}"),
    };
    let at = node.at;
    let argument = match (name.as_str(), node.kind) {
        // `!GetAtt Resource.Attribute` names both in one string; the attribute may hold dots.
        ("Fn::GetAtt", Kind::String(text)) => match text.split_once('.') {
            Some((resource, attribute)) => Node::new(
                Kind::List(vec![
                    Node::new(Kind::String(resource.to_owned()), at),
                    Node::new(Kind::String(attribute.to_owned()), at),
                ]),
                at,
            ),
            None => Node::new(Kind::String(text), at),
        },
        (_, Kind::Null) => Node::new(Kind::String(String::new()), at),
        (_, kind) => Node::new(kind, at),
    };
    Node::new(Kind::Map(vec![(name, argument)]), at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_intrinsics_become_the_long_form_with_their_lines() {
        let template = read(
            "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Sub '${AWS::StackName}-role'\n      Arn: !GetAtt Fn.Arn\n      Path: !Ref Path\n      Joined: !Join ['', [a, !Ref B]]\n",
        )
        .unwrap();
        let properties = template
            .get("Resources")
            .and_then(|r| r.get("Role"))
            .and_then(|r| r.get("Properties"))
            .unwrap();
        assert_eq!(
            properties.get("RoleName").unwrap().to_json(),
            serde_json::json!({"Fn::Sub": "${AWS::StackName}-role"})
        );
        assert_eq!(
            properties.get("Arn").unwrap().to_json(),
            serde_json::json!({"Fn::GetAtt": ["Fn", "Arn"]})
        );
        assert_eq!(
            properties.get("Joined").unwrap().to_json(),
            serde_json::json!({"Fn::Join": ["", ["a", {"Ref": "B"}]]})
        );
        assert_eq!(properties.get("Path").unwrap().at.line, 7);
        // A tagged value starts where its value does, after the tag.
        assert_eq!(properties.get("Arn").unwrap().at.column, 20);
    }

    #[test]
    fn json_templates_and_plain_scalars() {
        let template = read(r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 5, "Fifo": true}}}}"#)
            .unwrap();
        let properties = template
            .get("Resources")
            .and_then(|r| r.get("Q"))
            .and_then(|q| q.get("Properties"))
            .unwrap();
        assert_eq!(
            properties.get("DelaySeconds").unwrap().kind,
            Kind::Number("5".to_owned())
        );
        assert_eq!(properties.get("Fifo").unwrap().kind, Kind::Bool(true));
        // A tab inside JSON's braces, which YAML refuses there, is read as JSON.
        let tabbed = read("{\n\t\"Resources\": {}\n}").unwrap();
        assert!(tabbed.get("Resources").is_some());
    }

    #[test]
    fn what_libyaml_accepts_and_yaml_rust2_refuses_is_read_with_resource_lines() {
        // A flow mapping continued at its key's indent, and a single-pair mapping in a flow
        // sequence: CloudFormation's tools read both.
        let text = "Resources:\n  Model:\n    Type: AWS::ApiGateway::Model\n    Properties:\n      Schema: {\"title\": \"Stats\",\n      \"type\": \"object\"}\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: !Sub [\n          \"hook-${ID}\",\n          ID: !Select [2, !Split [\"/\", !Ref AWS::StackId]],\n        ]\n";
        let template = read(text).unwrap();
        let function = template.get("Resources").and_then(|r| r.get("Fn")).unwrap();
        assert_eq!(function.at.line, 7);
        assert_eq!(
            function
                .get("Properties")
                .and_then(|p| p.get("FunctionName"))
                .unwrap()
                .to_json(),
            serde_json::json!({"Fn::Sub": ["hook-${ID}", {"ID": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}}]})
        );
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert!(matches!(
            read("Resources: [a, b"),
            Err(ReadTemplateError::Syntax(_))
        ));
        assert_eq!(read("- a\n- b\n"), Err(ReadTemplateError::NotAMapping));
        assert_eq!(read(""), Err(ReadTemplateError::NotAMapping));
        let deep = format!("a: {}1{}", "[".repeat(300), "]".repeat(300));
        assert!(matches!(
            read(&deep),
            Err(ReadTemplateError::TooDeep(_) | ReadTemplateError::Syntax(_))
        ));
        // Aliases that would multiply past any real template are refused, not expanded.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 0..8 {
            let prev = if level == 0 {
                "a".to_owned()
            } else {
                format!("l{}", level - 1)
            };
            bomb.push_str(&format!("l{level}: &l{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert_eq!(read(&bomb), Err(ReadTemplateError::TooLarge(MAX_NODES)));
    }
}
