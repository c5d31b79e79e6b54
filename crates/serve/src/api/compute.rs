//! The computations over request data: compatibility, check, negotiate, translate.

use super::*;

// ---------------------------------------------------------------------------------------------
// Computations

pub(super) fn parse_level(text: &str) -> Result<Compatibility, Problem> {
    Compatibility::parse(text).ok_or_else(|| {
        Problem::bad_request(format!("level={text}: expected backward, forward or full"))
    })
}

pub(super) fn breaks(c: &Change, level: Compatibility) -> bool {
    match level {
        Compatibility::Backward => c.breaking,
        Compatibility::Forward => c.breaks_forward,
        Compatibility::Full => c.breaking || c.breaks_forward,
    }
}

pub(super) fn renames_of(map: &Map<String, Value>) -> Result<Vec<(String, String)>, Problem> {
    let Some(value) = map.get("renames") else {
        return Ok(Vec::new());
    };
    let bad = || Problem::bad_request("`renames` must be a list of {\"from\": OLD, \"to\": NEW}");
    let list = value.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|r| {
            let from = r.get("from").and_then(Value::as_str).ok_or_else(bad)?;
            let to = r.get("to").and_then(Value::as_str).ok_or_else(bad)?;
            if from.trim().is_empty() || to.trim().is_empty() {
                return Err(bad());
            }
            Ok((from.trim().to_string(), to.trim().to_string()))
        })
        .collect()
}

pub(super) async fn compatibility(State(app): State<Arc<App>>, body: Body) -> Answer {
    let map = json_body(&app, body, &["table", "against", "level", "renames"]).await?;
    let table = table_of(map.get("table").unwrap_or(&Value::Null), "table")?;
    let level = parse_level(str_field(&map, "level", Some("backward"))?)?;
    let against = str_field(&map, "against", Some("latest"))?.to_string();
    if against != "latest" && against != "all" {
        return Err(Problem::bad_request(format!(
            "against={against}: expected latest or all"
        )));
    }
    let renames = renames_of(&map)?;
    let log = history(&app).await?;
    let compared: Vec<&Declared> = if against == "all" {
        log.iter().collect()
    } else {
        log.last().into_iter().collect()
    };
    let mut compatible = true;
    let mut per_version = Vec::new();
    let mut changes = Vec::new();
    for d in compared {
        let options = DiffOptions {
            renames: renames.iter().cloned().collect(),
            ..DiffOptions::new()
        };
        let result = diff_tables(&d.record.proposal.table, &table, &options);
        let ok = result.is_compatible(level);
        compatible &= ok;
        let version = d.version().to_string();
        per_version.push(json!({
            "version": version,
            "compatible": ok,
            "breaking": result.changes.iter().filter(|c| breaks(c, level)).count(),
        }));
        for c in &result.changes {
            let mut v = isa_report::store::change_json(c);
            if let Value::Object(o) = &mut v {
                o.insert("against".into(), json!(version));
                o.insert("incompatible".into(), json!(breaks(c, level)));
            }
            changes.push(v);
        }
    }
    ok(&json!({
        "compatible": compatible,
        "level": level.as_str(),
        "against": against,
        "versions": per_version,
        "changes": changes,
    }))
}

pub(super) async fn check(State(app): State<Arc<App>>, body: Body) -> Answer {
    let map = json_body(&app, body, &["tables", "fail_on", "no_info", "format"]).await?;
    let Some(Value::Array(list)) = map.get("tables") else {
        return Err(Problem::bad_request(
            "the request body needs `tables`: a list of tables",
        ));
    };
    let fail_on_text = str_field(&map, "fail_on", Some("error"))?;
    let fail_on = FailOn::parse(fail_on_text).ok_or_else(|| {
        Problem::bad_request(format!(
            "fail_on={fail_on_text}: expected critical, error, warning, info or never"
        ))
    })?;
    let format = str_field(&map, "format", Some("json"))?;
    if format != "json" && format != "sarif" {
        return Err(Problem::bad_request(format!(
            "format={format}: expected json or sarif"
        )));
    }
    let no_info = bool_field(&map, "no_info")?;
    let tables = tables_of(
        list.iter()
            .enumerate()
            .map(|(i, t)| (t, format!("tables[{i}]"))),
    )?;
    let sarif = format == "sarif";
    // Detection is CPU work proportional to the input; off the event loop like store work.
    let value = blocking(move || {
        let mut report = isa_core::detect(&tables, &CheckOptions::new());
        if no_info {
            report.drop_info();
        }
        let failed = fail_on
            .threshold()
            .is_some_and(|t| report.count_at_least(t) > 0);
        Ok(if sarif {
            isa_report::check::sarif(&report)
        } else {
            isa_report::check::report_json(&report, fail_on, failed)
        })
    })
    .await?;
    ok(&value)
}

pub(super) fn advertisement(
    value: Option<&Value>,
    at: &str,
) -> Result<isa_negotiate::Advertisement<'static>, Problem> {
    let bytes = match value {
        Some(Value::Object(o)) if o.len() == 1 && o.contains_key("base64") => {
            let Some(Value::String(b64)) = o.get("base64") else {
                return Err(Problem::bad_request(format!("{at}.base64 must be a string")));
            };
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| Problem::bad_request(format!("{at}.base64: not base64: {e}")))?
        }
        Some(v @ Value::Object(_)) => isa_io::pretty_json(v).into_bytes(),
        _ => {
            return Err(Problem::bad_request(format!(
                "`{at}` must be an advertisement: its JSON form, or {{\"base64\": \"<the binary form>\"}}"
            )))
        }
    };
    let ad = isa_negotiate::read::read_any(&bytes, at).map_err(Problem::invalid)?;
    ad.check_mnemonics()
        .map_err(|e| Problem::invalid(format!("{at}: malformed advertisement: {e}")))?;
    Ok(ad)
}

pub(super) async fn negotiate(State(app): State<Arc<App>>, body: Body) -> Answer {
    let map = json_body(&app, body, &["a", "b"]).await?;
    let a = advertisement(map.get("a"), "a")?;
    let b = advertisement(map.get("b"), "b")?;
    let agreed = isa_negotiate::negotiate(&a, &b);
    ok(&isa_report::negotiate::agreement_json(&agreed))
}

pub(super) async fn translate(
    State(app): State<Arc<App>>,
    q: Result<Query<Params>, QueryRejection>,
    body: Body,
) -> Answer {
    let params = query(q, &["from", "to", "container"])?;
    let need = |k: &str| {
        params.get(k).cloned().ok_or_else(|| {
            Problem::bad_request(format!("the query needs `{k}` (a declared version)"))
        })
    };
    let (from, to) = (need("from")?, need("to")?);
    let container = params
        .get("container")
        .map_or("auto", String::as_str)
        .to_string();
    if !["auto", "raw", "module"].contains(&container.as_str()) {
        return Err(Problem::bad_request(format!(
            "container={container}: expected auto, raw or module"
        )));
    }
    let bytes = read_body(body, app.config.max_body).await?;
    let store = app.store.clone();
    let (out, stats) = blocking(move || {
        let a = store.show(&from)?;
        let b = store.show(&to)?;
        let scheme = Scheme::flux_unified();
        let aliases = Aliases::new();
        for (t, role) in [(&a, "the source table"), (&b, "the target table")] {
            if let Some(why) = isa_report::check::undecodable_message(t, role, &scheme, &aliases) {
                return Err(Problem::invalid(why));
            }
        }
        let options = isa_migrate::TranslateOptions {
            aliases,
            from_scheme: scheme.clone(),
            to_scheme: scheme,
        };
        let translator = isa_migrate::Translator::new(&a, &b, &options)
            .map_err(|e| Problem::invalid(e.to_string()))?;
        let module = match container.as_str() {
            "raw" => false,
            "module" => true,
            _ => isa_migrate::module::looks_like_module(&bytes),
        };
        let context = |e: &dyn std::fmt::Display| {
            Problem::invalid(format!("cannot translate from {from} to {to}: {e}"))
        };
        if module {
            let t = isa_migrate::module::translate_module(&translator, &bytes)
                .map_err(|e| context(&e))?;
            Ok((t.bytes, t.stats))
        } else {
            let t = translator.translate(&bytes).map_err(|e| context(&e))?;
            Ok((t.bytes, t.stats))
        }
    })
    .await?;
    let mut r = out.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    for (name, value) in [
        ("x-isa-instructions", stats.instructions.to_string()),
        ("x-isa-branches-fixed", stats.branches_fixed.to_string()),
        ("x-isa-same-size", stats.same_size.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    Ok(r)
}
