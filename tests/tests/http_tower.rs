//! The tower layer without axum: a plain hyper server (hyper-util) serving a
//! `service_fn` through `SessionLayer`, over real HTTP, and the failure
//! response hook.

use std::convert::Infallible;

use axum::Router;
use axum::routing::get;
use http::header::COOKIE;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use session_runtime::store::MemoryStore;
use session_runtime::tower::{SessionFailure, SessionLayer, session};
use session_runtime::{Key, Session, SessionConfig};
use session_tests::http::{SECRET, Server, jar, jar_client, plain_client, send, serve};
use session_tests::store::Down;
use tower::ServiceBuilder;

#[derive(Session)]
#[session(cookie = "plain")]
struct Visits {
    #[session(default)]
    count: u32,
    note: Option<String>,
}

/// A handler that knows nothing of axum: it gets its session from the request.
async fn count(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut visits = match session::<Visits, _>(&request).await {
        Ok(visits) => visits,
        Err(rejection) => return Ok(rejection.to_response()),
    };
    visits.set_count(visits.count() + 1);
    if request.uri().path() == "/big" {
        visits.set_note("x".repeat(5000));
    }
    Ok(Response::new(Full::from(format!(
        "visit {}",
        visits.count()
    ))))
}

/// Serves `layer` around [`count`] with hyper alone on a loopback port.
async fn serve_hyper(layer: SessionLayer<Visits>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::at(listener.local_addr().unwrap());
    let service = ServiceBuilder::new().layer(layer).service_fn(count);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    server
}

fn config() -> SessionConfig<Visits> {
    SessionConfig::new(Key::derive(SECRET).unwrap())
}

#[tokio::test]
async fn a_plain_hyper_service_counts_through_the_tower_layer() {
    let server = serve_hyper(SessionLayer::new(config())).await;
    let browser = jar_client(&jar());
    for n in 1..=3 {
        let page = send(browser.get(server.url("/"))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.body, format!("visit {n}"));
    }
    // In store mode too.
    let server = serve_hyper(SessionLayer::new(config().with_store(MemoryStore::new()))).await;
    let browser = jar_client(&jar());
    for n in 1..=3 {
        assert_eq!(
            send(browser.get(server.url("/"))).await.body,
            format!("visit {n}")
        );
    }
}

#[tokio::test]
async fn an_oversized_session_gets_the_failure_response() {
    let server = serve_hyper(SessionLayer::new(config())).await;
    let default = send(plain_client().get(server.url("/big"))).await;
    assert_eq!(default.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(default.body, "the session could not be saved");
    assert!(default.cookies.is_empty());

    let layer = SessionLayer::new(config()).with_failure_response(|failure| {
        let mut response = Response::new(format!("<h1>Sorry</h1><p>{}</p>", failure.message()));
        *response.status_mut() = match failure {
            SessionFailure::SaveFailed(_) => StatusCode::PAYLOAD_TOO_LARGE,
            other => other.status(),
        };
        response
    });
    let server = serve_hyper(layer).await;
    let custom = send(plain_client().get(server.url("/big"))).await;
    assert_eq!(custom.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        custom.body,
        "<h1>Sorry</h1><p>the session could not be saved</p>"
    );
}

#[tokio::test]
async fn a_store_outage_is_rendered_by_the_hook_in_axum_too() {
    async fn visit(mut v: Session<Visits>) -> String {
        v.set_count(v.count() + 1);
        v.count().to_string()
    }
    let layer = SessionLayer::new(config().with_store(Down)).with_failure_response(|failure| {
        let mut response = Response::new(format!("try again later ({})", failure.status()));
        *response.status_mut() = failure.status();
        response
    });
    let server = serve(Router::new().route("/", get(visit)).layer(layer)).await;
    // A new visitor: nothing to load, the save fails.
    let new = send(plain_client().get(server.url("/"))).await;
    assert_eq!(new.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(new.body, "try again later (503 Service Unavailable)");
    // A returning visitor: the load fails, the extractor answers.
    let cookie = send(
        plain_client().get(
            serve(
                Router::new()
                    .route("/", get(visit))
                    .layer(SessionLayer::new(config().with_store(MemoryStore::new()))),
            )
            .await
            .url("/"),
        ),
    )
    .await
    .cookie_value("plain")
    .unwrap();
    let back = send(
        plain_client()
            .get(server.url("/"))
            .header(COOKIE, format!("plain={cookie}")),
    )
    .await;
    assert_eq!(back.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(back.body, "try again later (503 Service Unavailable)");
}
