//! Which image an upload is, judged from its bytes alone (the client's file name and
//! `Content-Type` are ignored), and its size in pixels as its header states it.

use crate::error::AppError;

/// The formats Conduit stores: what every browser shows in an `<img>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
}

/// What a refusal says is allowed.
pub const ALLOWED: &str = "must be a PNG, JPEG, GIF or WebP image";

impl ImageFormat {
    const ALL: [ImageFormat; 4] = [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::Gif,
        ImageFormat::Webp,
    ];

    /// The format whose signature `bytes` start with: the PNG signature, a JPEG start-of-image
    /// marker, `GIF87a`/`GIF89a`, or a RIFF container of type `WEBP`.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(b"\xff\xd8\xff") {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageFormat::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
        }
    }

    /// The file extension object keys end with, so that the key alone tells how to serve it.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
        }
    }

    pub fn from_extension(extension: &str) -> Option<ImageFormat> {
        Self::ALL
            .into_iter()
            .find(|format| format.extension() == extension)
    }
}

/// Width and height in pixels, read from the header only: nothing is decoded, so a small file
/// that claims a huge canvas costs nothing to measure. A header that cannot be read, or that
/// states a zero side, is 422 on `file`.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), AppError> {
    let unreadable = || AppError::invalid("file", "has an image header that cannot be read");
    let size = imagesize::blob_size(bytes).map_err(|_| unreadable())?;
    let width = u32::try_from(size.width).map_err(|_| unreadable())?;
    let height = u32::try_from(size.height).map_err(|_| unreadable())?;
    if width == 0 || height == 0 {
        return Err(unreadable());
    }
    Ok((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_their_signatures_only() {
        assert_eq!(
            ImageFormat::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageFormat::Png)
        );
        assert_eq!(
            ImageFormat::sniff(b"\xff\xd8\xff\xe0"),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(ImageFormat::sniff(b"GIF89a.."), Some(ImageFormat::Gif));
        assert_eq!(
            ImageFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageFormat::Webp)
        );
        assert_eq!(ImageFormat::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(ImageFormat::sniff(b"<svg xmlns="), None);
        assert_eq!(ImageFormat::sniff(b""), None);
        for format in ImageFormat::ALL {
            assert_eq!(
                ImageFormat::from_extension(format.extension()),
                Some(format)
            );
        }
    }
}
