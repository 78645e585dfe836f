//! The REST API as a whole: the OpenAPI document, trailing slashes, request errors.

mod openapi;
mod request_errors;
mod trailing_slashes;
