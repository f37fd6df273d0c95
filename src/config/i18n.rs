//! `i18n`: the locale prefixes route matching strips.

use serde_json::{Map, Value};

use super::{I18nConfig, boolean, obj, string, string_list};
use crate::error::{LayerError, Result};

pub(super) fn parse(root: Option<&Map<String, Value>>) -> Result<I18nConfig> {
    let i = obj(root, "i18n", "i18n")?;
    let locales = string_list(i, "locales", "i18n.locales")?;
    let i18n = I18nConfig {
        enabled: boolean(i, "enabled", "i18n.enabled", !locales.is_empty())?,
        default_locale: string(i, "defaultLocale", "i18n.defaultLocale")?,
        locales,
    };
    if i18n.enabled && i18n.locales.is_empty() {
        return Err(LayerError::config(
            "i18n.locales",
            "must list at least one locale when i18n is enabled",
        ));
    }
    Ok(i18n)
}
