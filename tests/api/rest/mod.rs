//! The REST API as a whole: the OpenAPI document, trailing slashes, request errors.

mod edge_cases;
mod openapi;
mod trailing_slashes;
