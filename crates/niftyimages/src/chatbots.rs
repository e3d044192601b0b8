//! `/ManyChat` and `/ChatFuel`: a personalized image URL wrapped in the message format each
//! chatbot platform expects, for their "JSON API" blocks.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::NiftyClient;
use crate::error::NiftyError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Variable {
    pub name: String,
    pub value: String,
}

/// The body of both chatbot calls: the image and the merge values to render it with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChatbotImage {
    pub url: String,
    pub variables: Vec<Variable>,
}

impl NiftyClient {
    /// `POST /ManyChat`: answers ManyChat's `{version, content: {messages: [{type, url}]}}`.
    pub async fn manychat(&self, image: &ChatbotImage) -> Result<Value, NiftyError> {
        self.call(Method::POST, &["ManyChat"])
            .json(image)?
            .send()
            .await
    }

    /// `POST /ChatFuel`: answers ChatFuel's `{messages: [{attachment: {type, payload: {url}}}]}`.
    pub async fn chatfuel(&self, image: &ChatbotImage) -> Result<Value, NiftyError> {
        self.call(Method::POST, &["ChatFuel"])
            .json(image)?
            .send()
            .await
    }
}

/// The image URL inside a ManyChat or ChatFuel answer, wherever the platform puts it.
pub fn chatbot_image_url(answer: &Value) -> Option<&str> {
    answer
        .pointer("/content/messages/0/url")
        .or_else(|| answer.pointer("/messages/0/attachment/payload/url"))
        .and_then(Value::as_str)
}
