//! Raw HTTP messages as the golden files store them (`HTTP/1.1 200 OK`, header lines, an
//! empty line, the body), read leniently: what a mutation breaks is dropped or defaulted, so
//! that every input still reaches the code under test.

use di_proto::http::{self, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// The head and the body of `data`, split at the first empty line (LF or CRLF); no empty line:
/// all head, no body.
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let lf = find(data, b"\n\n").map(|at| (at, at + 2));
    let crlf = find(data, b"\r\n\r\n").map(|at| (at, at + 4));
    match (lf, crlf) {
        (Some(lf), Some(crlf)) => {
            let (end, body) = if lf.0 < crlf.0 { lf } else { crlf };
            (&data[..end], &data[body..])
        }
        (Some((end, body)), None) | (None, Some((end, body))) => (&data[..end], &data[body..]),
        (None, None) => (data, &[]),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r'] = bytes {
        bytes = rest;
    }
    bytes
}

/// The first line and the headers of a head; header lines that are not `name: value` with a
/// valid name and value are skipped.
fn head(head: &[u8]) -> (&[u8], HeaderMap) {
    let mut lines = head.split(|&byte| byte == b'\n');
    let first = trim(lines.next().unwrap_or_default());
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let name = HeaderName::from_bytes(trim(&line[..colon]));
        let value = HeaderValue::from_bytes(trim(&line[colon + 1..]));
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    (first, headers)
}

/// Reads a response; a status line without a valid status gets 200.
pub(crate) fn read_response(data: &[u8]) -> http::Response<Vec<u8>> {
    let (raw_head, body) = split(data);
    let (status_line, headers) = head(raw_head);
    let status = status_line
        .split(|&byte| byte == b' ')
        .nth(1)
        .and_then(|code| StatusCode::from_bytes(code).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// Reads a request (`METHOD target [HTTP/1.1]`, headers, body); `None` when the method or the
/// target is not valid, as a server would refuse it before any handler runs.
pub(crate) fn read_request(data: &[u8]) -> Option<http::Request<Vec<u8>>> {
    let (raw_head, body) = split(data);
    let (request_line, headers) = head(raw_head);
    let mut parts = request_line.split(|&byte| byte == b' ');
    let method = Method::from_bytes(parts.next()?).ok()?;
    let uri = http::Uri::try_from(parts.next()?).ok()?;
    let mut request = http::Request::new(body.to_vec());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    Some(request)
}

/// Writes a request in the form [`read_request`] reads: origin-form target, `HTTP/1.1`,
/// headers in order, an empty line, the body.
pub(crate) fn write_request(request: &http::Request<Vec<u8>>) -> Vec<u8> {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let mut out = format!("{} {target} HTTP/1.1\n", request.method()).into_bytes();
    if let Some(authority) = request
        .uri()
        .authority()
        .filter(|_| !request.headers().contains_key(http::header::HOST))
    {
        out.extend_from_slice(format!("host: {authority}\n").as_bytes());
    }
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(request.body());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_golden_files_hold() {
        let response = read_response(
            b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nBad Header\r\n\x01: x\r\n\r\nbody\n\n",
        );
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().len(), 1);
        assert_eq!(response.headers()["retry-after"], "2");
        assert_eq!(response.body(), b"body\n\n");
        let headless = read_response(b"HTTP/1.1 abc");
        assert_eq!(headless.status(), StatusCode::OK);
        assert!(headless.body().is_empty());
    }

    #[test]
    fn writes_requests_it_reads_back() {
        let request = http::Request::builder()
            .method("POST")
            .uri("http://127.0.0.1:8080/?a=1&b=%20")
            .header("x-acs-action", "DeleteDISyncTask")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"c=3\n\nd".to_vec())
            .unwrap();
        let text = write_request(&request);
        let read = read_request(&text).unwrap();
        assert_eq!(read.method(), request.method());
        assert_eq!(read.uri(), "/?a=1&b=%20");
        assert_eq!(read.headers()["host"], "127.0.0.1:8080");
        assert_eq!(read.headers()["x-acs-action"], "DeleteDISyncTask");
        assert_eq!(read.body(), request.body());
        assert!(read_request(b"G(T / HTTP/1.1\n\n").is_none());
    }
}
