//! Reminder e-mail (SMTP, `AFTERCARE_SMTP_URL`): plain text and HTML in the
//! patient's language, a link to the patient app and a `List-Unsubscribe`
//! header that leads to the reminder settings. No health data.

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::texts;
use crate::config::Settings;
use crate::domain::accounts::Locale;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The patient app's address, for the links.
    public_url: String,
}

/// Why a message was not sent, and whether trying again may help.
pub struct Refused {
    pub permanent: bool,
    pub reason: String,
}

/// A header lettre has no type for, as written.
macro_rules! plain_header {
    ($(#[$doc:meta])* $type:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Clone)]
        struct $type(String);

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(s.to_owned()))
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

plain_header!(
    /// Where the patient turns reminders off (RFC 2369).
    ListUnsubscribe,
    "List-Unsubscribe"
);
plain_header!(ContentLanguage, "Content-Language");

impl Mailer {
    /// The mailer the settings ask for, or none when e-mail is off.
    pub fn of(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let (Some(url), Some(public_url)) = (&settings.smtp_url, &settings.public_url) else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|error| anyhow::anyhow!("AFTERCARE_SMTP_URL: {error}"))?
            .timeout(Some(settings.webhook_timeout))
            .build();
        let from = settings
            .smtp_from
            .parse()
            .map_err(|error| anyhow::anyhow!("AFTERCARE_SMTP_FROM: {error}"))?;
        Ok(Some(Self {
            transport,
            from,
            public_url: public_url.clone(),
        }))
    }

    /// The reminder to `to`, in `locale`.
    pub fn message(&self, to: &str, locale: Locale) -> Result<Message, Refused> {
        let to: Mailbox = to.parse().map_err(|_| Refused {
            permanent: true,
            reason: "the reminder address is not an e-mail address".to_owned(),
        })?;
        let text = texts::of(locale);
        let open = format!("{}/app/", self.public_url);
        let settings = format!("{}/app/reminders", self.public_url);
        let plain = format!(
            "{}\n\n{}: {open}\n\n{}\n{}: {settings}\n",
            text.body, text.open, text.why, text.change
        );
        let html = maud::html! {
            (maud::DOCTYPE)
            html lang=(locale.as_str()) {
                head { meta charset="utf-8"; title { (text.title) } }
                body {
                    p { (text.body) }
                    p { a href=(open) { (text.open) } }
                    p { small { (text.why) " " a href=(settings) { (text.change) } } }
                }
            }
        }
        .into_string();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text.title)
            .header(ListUnsubscribe(format!("<{settings}>")))
            .header(ContentLanguage(locale.as_str().to_owned()))
            .multipart(MultiPart::alternative_plain_html(plain, html))
            .map_err(|error| Refused {
                permanent: true,
                reason: format!("the message could not be made: {error}"),
            })
    }

    pub async fn send(&self, message: Message) -> Result<(), Refused> {
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| Refused {
                permanent: error.is_permanent(),
                reason: format!("the mail server refused it: {error}"),
            })
    }
}
