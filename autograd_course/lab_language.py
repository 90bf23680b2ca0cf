"""A link that opens JupyterLab with its interface in a given language (the Chinese Binder badge).

A Binder link can only name the path to open (``?urlpath=...``), and JupyterLab's language is a
user setting (Settings > Language). This Jupyter server extension answers
``<base_url>autograd-course/lang/zh-CN?next=lab/tree/<notebook>``: it saves ``{"locale":
"zh_CN"}`` as the user's setting of ``@jupyterlab/translation-extension:plugin``, in the running
JupyterLab's ``user_settings_dir`` (where Settings > Language saves it), then redirects to
``next``, a path inside this server (anything else is refused: no open redirect). Turned on by
binder/postBuild and ``make lab``, or::

    jupyter lab --ServerApp.jpserver_extensions='{"autograd_course.lab_language": True}'

>>> redirect_target("lab/tree/01.zh-CN/01.zh-CN.ipynb", "/user/ada/")
'/user/ada/lab/tree/01.zh-CN/01.zh-CN.ipynb'
>>> [redirect_target(n, "/") for n in ("https://x.org/", "//x.org", "/lab", "lab/../../x")]
[None, None, None, None]
"""

import urllib.parse

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

LOCALES = {"zh-CN": "zh_CN", "en": "en"}  # the course's language tags -> JupyterLab's locales
PLUGIN = "@jupyterlab/translation-extension:plugin"


def redirect_target(next_path, base_url):
    """base_url + next_path if next_path is a relative path inside the server, else None: no
    scheme or host, no leading / or \\ (a browser reads \\\\host as //host), no .. segment, no
    control character."""
    parts = urllib.parse.urlsplit(next_path or "")
    if (not next_path or next_path[0] in "/\\" or "\\" in next_path or parts.scheme
            or parts.netloc or ".." in parts.path.split("/")
            or any(ord(c) < 32 or ord(c) == 127 for c in next_path)):
        return None
    return url_path_join(base_url, next_path)


def save_locale(lab, locale):
    """Save the locale as the user's JupyterLab setting, as Settings > Language does (the other
    keys of the user's setting kept; checked against the plugin's schema)."""
    import json

    from jupyterlab_server.settings_utils import get_settings, save_settings

    paths = lab.extra_labextensions_path + lab.labextensions_path
    current, _ = get_settings(lab.app_settings_dir, lab.schemas_dir, lab.user_settings_dir,
                              PLUGIN, labextensions_path=paths)
    settings = dict(current.get("settings") or {}, locale=locale)
    save_settings(lab.schemas_dir, lab.user_settings_dir, PLUGIN, json.dumps(settings), {}, paths)


class LanguageHandler(JupyterHandler):
    @web.authenticated
    def get(self, tag):
        target = redirect_target(self.get_argument("next", "lab"), self.base_url)
        if target is None:
            raise web.HTTPError(400, "next must be a path inside this server, such as lab/tree/...")
        save_locale(_lab_app(self.serverapp), LOCALES[tag])
        self.redirect(target)


def _lab_app(serverapp):
    """The running JupyterLab (its LabApp: user_settings_dir, schemas_dir ...)."""
    apps = serverapp.extension_manager.extension_apps
    for name in ("jupyterlab", "notebook"):
        for app in apps.get(name, ()):
            if hasattr(app, "user_settings_dir"):
                return app
    raise RuntimeError("autograd_course.lab_language needs JupyterLab (jupyter lab)")


def _jupyter_server_extension_points():
    return [{"module": "autograd_course.lab_language"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    route = url_path_join(web_app.settings["base_url"], "autograd-course", "lang",
                          f"({'|'.join(LOCALES)})")
    web_app.add_handlers(".*$", [(route, LanguageHandler)])
