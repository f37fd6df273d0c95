"""A Django REST framework + djangorestframework-simplejwt backend, in one module.

What a new user of next-api-layer-native typically runs: simplejwt's own views for login,
refresh (ROTATE_REFRESH_TOKENS + BLACKLIST_AFTER_ROTATION) and logout (the blacklist view), a
`me` view, a simplejwt-style guest endpoint answering {"token": ...}, a posts resource that
echoes what it received, and server-sent events. Served by gunicorn (a WSGI server: it reads
a request body by its Content-Length only).

    DJANGO_DB=/tmp/x.sqlite3 python backend.py migrate   # once: tables + users
    gunicorn --chdir examples/backends/django backend:application

Test controls (only with BACKEND_TEST_CONTROLS=1): GET/DELETE /api/test/counters/ and
POST /api/test/expired-access/ (an already expired access token for a user).
"""

import json
import os
import sys
import threading
import time
from datetime import timedelta

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "example-only-secret-key-change-me-0123456789"),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "rest_framework_simplejwt.token_blacklist",
    ],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DJANGO_DB", "/tmp/django-example.sqlite3"),
            "OPTIONS": {"timeout": 20},
        }
    },
    USE_TZ=True,
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework_simplejwt.authentication.JWTAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    },
    SIMPLE_JWT={
        "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
        "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
        "ROTATE_REFRESH_TOKENS": True,
        "BLACKLIST_AFTER_ROTATION": True,
        "UPDATE_LAST_LOGIN": False,
    },
)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.http import JsonResponse, StreamingHttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import serializers, status  # noqa: E402
from rest_framework.decorators import api_view, permission_classes  # noqa: E402
from rest_framework.exceptions import NotFound  # noqa: E402
from rest_framework.permissions import AllowAny, BasePermission  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken  # noqa: E402
from rest_framework_simplejwt.views import (  # noqa: E402
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

GUEST_USERNAME = "guest"
CONTROLS = os.environ.get("BACKEND_TEST_CONTROLS") == "1"
_lock = threading.Lock()
_counters = {}


def count(name):
    with _lock:
        _counters[name] = _counters.get(name, 0) + 1


def token_type(request):
    return "guest" if request.auth is not None and request.auth.get("guest") else "user"


class IsUserToken(BasePermission):
    """Writes need a signed-in user: a guest token is refused with 403."""

    message = "Guests cannot do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and token_type(request) == "user")


class IsUserTokenOrReadOnly(IsUserToken):
    def has_permission(self, request, view):
        return request.method in ("GET", "HEAD", "OPTIONS") or super().has_permission(request, view)


class CountedRefreshView(TokenRefreshView):
    def post(self, request, *args, **kwargs):
        count("refresh")
        return super().post(request, *args, **kwargs)


class CountedLoginView(TokenObtainPairView):
    def post(self, request, *args, **kwargs):
        count("login")
        return super().post(request, *args, **kwargs)


class CountedBlacklistView(TokenBlacklistView):
    def post(self, request, *args, **kwargs):
        count("logout")
        return super().post(request, *args, **kwargs)


def user_json(user):
    return {"id": user.id, "username": user.username, "email": user.email}


@api_view(["GET"])
def me(request):
    count("me")
    return Response({"user": user_json(request.user), "type": token_type(request), "exp": request.auth["exp"]})


@api_view(["POST"])
@permission_classes([AllowAny])
def guest(request):
    count("guest")
    token = AccessToken.for_user(User.objects.get(username=GUEST_USERNAME))
    token["guest"] = True
    return Response({"token": str(token)})


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(min_length=8, write_only=True)

    def validate_username(self, value):
        if User.objects.filter(username=value).exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return value


@api_view(["POST"])
@permission_classes([AllowAny])
def register(request):
    s = RegisterSerializer(data=request.data)
    s.is_valid(raise_exception=True)
    user = User.objects.create_user(**s.validated_data)
    refresh = RefreshToken.for_user(user)
    return Response({"access": str(refresh.access_token), "refresh": str(refresh)}, status=201)


class PostSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True)


def echo(request, status_code, **extra):
    """What the backend received, byte for byte (the raw body as text), plus what DRF parsed."""
    raw = request.body.decode("utf-8", errors="replace")
    return Response(
        {
            "method": request.method,
            "contentLength": request.META.get("CONTENT_LENGTH") or None,
            "raw": raw,
            "data": request.data if raw else None,
            "user": request.user.username,
            **extra,
        },
        status=status_code,
    )


@api_view(["GET", "POST"])
@permission_classes([IsUserTokenOrReadOnly])
def posts(request):
    if request.method == "GET":
        return Response({"results": [{"id": 1, "title": "<b>Hello</b> <script>x()</script>"}]})
    PostSerializer(data=request.data).is_valid(raise_exception=True)
    return echo(request, status.HTTP_201_CREATED)


@api_view(["GET", "PUT", "PATCH", "DELETE"])
@permission_classes([IsUserTokenOrReadOnly])
def post_detail(request, pk):
    if pk != 1:
        raise NotFound("No post matches the given query.")
    if request.method == "GET":
        return Response({"id": 1, "title": "Hello"})
    if request.method == "PUT":
        PostSerializer(data=request.data).is_valid(raise_exception=True)
    return echo(request, status.HTTP_200_OK, id=pk)


@api_view(["GET"])
def events(request):
    """Three server-sent events, 200 ms apart, for a signed-in token."""
    name = request.user.username

    def stream():
        for i in range(3):
            yield f"id: {i}\nevent: tick\ndata: {json.dumps({'n': i, 'user': name})}\n\n"
            time.sleep(0.2)

    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    return response


def counters(request):
    if request.method == "DELETE":
        with _lock:
            _counters.clear()
    with _lock:
        return JsonResponse(dict(_counters))


@api_view(["POST"])
@permission_classes([AllowAny])
def expired_access(request):
    """An access token for `username` that expired a minute ago (to test refresh)."""
    token = AccessToken.for_user(User.objects.get(username=request.data["username"]))
    token.set_exp(lifetime=timedelta(minutes=-1))
    return Response({"access": str(token)})


urlpatterns = [
    path("api/token/", CountedLoginView.as_view()),
    path("api/auth/register/", register),
    path("api/auth/me/", me),
    path("api/auth/guest/", guest),
    path("api/token/refresh/", CountedRefreshView.as_view()),
    path("api/token/blacklist/", CountedBlacklistView.as_view()),
    path("api/posts/", posts),
    path("api/posts/<int:pk>/", post_detail),
    path("api/events/", events),
]
if CONTROLS:
    urlpatterns += [
        path("api/test/counters/", counters),
        path("api/test/expired-access/", expired_access),
    ]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()


def migrate():
    """Tables (auth, blacklist) and the example users: ada / correct-horse-9 and the guest."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if not User.objects.filter(username="ada").exists():
        User.objects.create_user("ada", "ada@example.com", "correct-horse-9")
    if not User.objects.filter(username=GUEST_USERNAME).exists():
        User.objects.create_user(GUEST_USERNAME, "", None)


if __name__ == "__main__":
    if sys.argv[1:] == ["migrate"]:
        migrate()
    else:
        sys.exit("usage: python backend.py migrate")
