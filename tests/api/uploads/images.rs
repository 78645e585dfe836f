//! Small images of every accepted format, made here, and the multipart form that uploads one.

use axum::body::Body;
use axum::http::Request;
use base64::Engine as _;

/// A complete, decodable PNG of `width` × `height` opaque red pixels (8-bit RGB), its pixel data
/// in stored (uncompressed) deflate blocks, with real CRCs and Adler-32.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    // Each row: filter type 0 (none), then its pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain((0..width).flat_map(|_| [255, 0, 0]))
        .collect();
    let raw = row.repeat(height as usize);
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (index, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(index + 1 == blocks.len()));
        let length = u16::try_from(block.len()).unwrap();
        zlib.extend_from_slice(&length.to_le_bytes());
        zlib.extend_from_slice(&(!length).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    png_with(width, height, &zlib)
}

/// Only a PNG's signature and header, claiming `width` × `height`, then an empty image-data
/// chunk: what a decompression bomb looks like to a reader of headers.
pub fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
    png_with(width, height, &[])
}

fn png_with(width: u32, height: u32, image_data: &[u8]) -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", header.as_slice()),
        (b"IDAT", image_data),
        (b"IEND", &[]),
    ] {
        png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in bytes {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A 1 × 1 GIF (the classic transparent pixel).
pub fn gif() -> Vec<u8> {
    decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
}

/// A 1 × 1 lossless WebP (VP8L).
pub fn webp() -> Vec<u8> {
    decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
}

/// The markers a JPEG reader needs for the size (start of image, JFIF, a baseline frame header
/// of 3 × 2 pixels, end of image), without entropy-coded data.
pub fn jpeg() -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    jpeg.extend_from_slice(b"JFIF\0");
    jpeg.extend_from_slice(&[1, 1, 0, 0, 1, 0, 1, 0, 0]);
    jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 8, 0, 2, 0, 3, 3]);
    jpeg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

fn decode(base64: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .unwrap()
}

const BOUNDARY: &str = "conduit-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body with one file part named `field`.
pub fn form(field: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; \
         filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// `POST path` with `bytes` as the form's `file` and the token, if any.
pub fn upload_request(path: &str, token: Option<&str>, bytes: &[u8]) -> Request<Body> {
    let (content_type, body) = form("file", "picture.png", "image/png", bytes);
    let mut request = Request::post(path).header("content-type", content_type);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    request.body(Body::from(body)).unwrap()
}
