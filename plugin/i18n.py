"""Translation loading: ``zh_CN`` before ``zh`` (so zh_TW users never get Simplified Chinese by accident)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"
CONTEXT = "Wanmi"


def tr(text: str, context: str = CONTEXT) -> str:
    """Translate a user-facing string in the Wanmi context."""
    return QCoreApplication.translate(context, text)


def user_locale() -> str:
    """The QGIS UI locale, e.g. ``zh_CN`` (QGIS setting first, then the system locale)."""
    value = QgsSettings().value("locale/userLocale", "") or QLocale().name()
    return str(value)


# QGIS' own language chooser writes script-style codes for Chinese (its translations are qgis_zh-Hans.qm and
# qgis_zh-Hant.qm); our files use the region style.
LOCALE_ALIASES = {"zh-Hans": "zh_CN", "zh_Hans": "zh_CN", "zh-Hant": "zh_TW", "zh_Hant": "zh_TW"}


def normalize_locale(locale: str) -> str:
    """``zh-Hans`` → ``zh_CN``, ``zh-Hant`` → ``zh_TW``, ``zh_CN.UTF-8`` → ``zh_CN``; others unchanged."""
    locale = (locale or "").split(".")[0].split("@")[0]
    return LOCALE_ALIASES.get(locale, locale.replace("-", "_"))


def candidate_files(locale: str, i18n_dir: Path | None = None) -> list[Path]:
    """The .qm files to try, most specific first: ``wanmi_zh_CN.qm`` then ``wanmi_zh.qm``."""
    i18n_dir = I18N_DIR if i18n_dir is None else i18n_dir
    locale = normalize_locale(locale)
    names = [locale, locale.split("_")[0]] if "_" in locale else [locale]
    return [i18n_dir / f"wanmi_{name}.qm" for name in dict.fromkeys(names)]


def install_translator(locale: str | None = None, i18n_dir: Path | None = None) -> QTranslator | None:
    """Load and install the best matching translation; return it (to remove on unload) or None."""
    for path in candidate_files(locale or user_locale(), i18n_dir):
        if path.exists():
            translator = QTranslator()
            if translator.load(str(path)):
                QCoreApplication.installTranslator(translator)
                return translator
    return None


def remove_translator(translator: QTranslator | None) -> None:
    """Undo :func:`install_translator`."""
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
