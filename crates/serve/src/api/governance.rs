//! Governance: proposals, approvals signed on the client, declarations — each through the
//! same `Store` method the command line calls.

use super::compute::renames_of;
use super::*;

// ---------------------------------------------------------------------------------------------
// Governance

/// Where a proposal stands, as `GET /v1/proposals/{id}` answers.
pub fn proposal_json(s: &ProposalStatus) -> Value {
    let p = &s.proposal;
    json!({
        "id": s.id,
        "version": p.version.to_string(),
        "message": p.message,
        "parent": p.parent,
        "table_hash": p.table_hash(),
        "instructions": p.table.instructions().count(),
        "renames": p.renames.iter().map(|r| json!({"from": r.from, "to": r.to})).collect::<Vec<_>>(),
        "overrides": p.overrides.iter().map(|o| json!({"opcode": o.opcode, "reason": o.reason})).collect::<Vec<_>>(),
        "approved_by": s.approved_by,
        "missing": s.missing,
        "pending": s.pending,
        "declared": s.declared.as_ref().map(|v| v.to_string()),
    })
}

pub(super) async fn proposals(State(app): State<Arc<App>>) -> Answer {
    let store = app.store.clone();
    let list = blocking(move || Ok(store.proposals()?)).await?;
    ok(&json!({"proposals": list.iter().map(proposal_json).collect::<Vec<_>>()}))
}

pub(super) async fn proposal(
    State(app): State<Arc<App>>,
    p: Result<Path<String>, PathRejection>,
) -> Answer {
    let id = path(p)?;
    let store = app.store.clone();
    let status = blocking(move || Ok(store.status(&id)?)).await?;
    ok(&proposal_json(&status))
}

pub(super) fn created(value: &Value, location: &str) -> Response {
    let mut r = json_response(StatusCode::CREATED, value);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub(super) async fn propose(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    authorise(&app, &headers)?;
    let map = json_body(
        &app,
        body,
        &["table", "version", "message", "renames", "overrides"],
    )
    .await?;
    let table = table_of(map.get("table").unwrap_or(&Value::Null), "table")?;
    let version_text = str_field(&map, "version", None)?;
    let version =
        isa_history::semver::Version::parse(version_text.strip_prefix('v').unwrap_or(version_text))
            .map_err(|e| {
                Problem::bad_request(format!("version {version_text}: not a semver version: {e}"))
            })?;
    let mut options = ProposeOptions::new(version);
    options.message = str_field(&map, "message", Some(""))?.to_string();
    options.renames = renames_of(&map)?
        .into_iter()
        .map(|(from, to)| isa_history::Rename { from, to })
        .collect();
    if let Some(list) = map.get("overrides") {
        let bad = || {
            Problem::bad_request(
                "`overrides` must be a list of {\"opcode\": NUMBER, \"reason\": TEXT}",
            )
        };
        for o in list.as_array().ok_or_else(bad)? {
            let opcode = o
                .get("opcode")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(bad)?;
            let reason = o.get("reason").and_then(Value::as_str).ok_or_else(bad)?;
            options.overrides.push(isa_history::Override {
                opcode,
                reason: reason.to_string(),
            });
        }
    }
    // The same refusal as `propose` on the command line: an undecodable table is never
    // declared, so it is not proposed either.
    if let Some(why) = isa_report::check::undecodable_message(
        &table,
        "the proposed table",
        &Scheme::flux_unified(),
        &Aliases::new(),
    ) {
        return Err(Problem::invalid(why));
    }
    let store = app.store.clone();
    let status = blocking(move || {
        let id = store.propose(table, options)?;
        Ok(store.status(&id)?)
    })
    .await?;
    Ok(created(
        &proposal_json(&status),
        &format!("/v1/proposals/{}", status.id),
    ))
}

pub(super) async fn approve(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    p: Result<Path<String>, PathRejection>,
    body: Body,
) -> Answer {
    authorise(&app, &headers)?;
    let id = path(p)?;
    let map = json_body(&app, body, &["public_key", "signature"]).await?;
    let public = str_field(&map, "public_key", None)?.to_string();
    let signature = str_field(&map, "signature", None)?.to_string();
    let store = app.store.clone();
    let (approval, status) = blocking(move || {
        let approval = store.add_approval(&id, &public, &signature, None)?;
        let status = store.status(&approval.proposal)?;
        Ok((approval, status))
    })
    .await?;
    let mut value = proposal_json(&status);
    if let Value::Object(o) = &mut value {
        o.insert("maintainer".into(), json!(approval.maintainer));
    }
    Ok(created(&value, &format!("/v1/proposals/{}", status.id)))
}

pub(super) async fn declare(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    authorise(&app, &headers)?;
    let map = json_body(&app, body, &["proposal"]).await?;
    let id = str_field(&map, "proposal", None)?.to_string();
    let store: Store = app.store.clone();
    let declared = blocking(move || Ok(store.declare(&id)?)).await?;
    Ok(created(
        &isa_report::store::version_json(&declared),
        &format!("/v1/versions/{}", declared.version()),
    ))
}
