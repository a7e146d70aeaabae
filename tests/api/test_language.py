"""Problem details follow Accept-Language; type URIs, field names and status codes do not."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests.api.conftest import draft_body

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def language_reset():
    # A request's language (LocaleMiddleware) and override() stay on the thread otherwise.
    yield
    translation.deactivate()


def test_an_api_error_is_in_chinese_for_a_chinese_client(world):
    response = APIClient().get("/api/v1/declarations/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 401 and response["Content-Type"] == PROBLEM
    assert response["Content-Language"] == "zh-hans"
    body = response.json()
    assert body["type"] == "about:blank" and body["status"] == 401
    assert body["detail"] == "身份认证信息未提供。"  # Django REST framework's own catalogue
    assert body["title"] == "未授权"


def test_validation_problems_are_in_chinese_with_the_same_field_names(world):
    body = draft_body()
    body["items"][0]["quantity"] = True
    body["invoice_total"] = ["1000"]
    response = world.client(world.trader).post(
        "/api/v1/declarations/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/api/problems/validation"
    assert set(problem["errors"]) == {"items.0.quantity", "invoice_total"}
    assert problem["errors"]["items.0.quantity"] == ["请填写十进制数，例如 1250.00。"]
    assert problem["title"] == "您的请求有问题；各字段的问题见 errors。"
    assert problem["detail"].startswith("共 2 个问题；第一个：")


def test_the_same_error_in_english(world):
    body = draft_body()
    body["items"][0]["quantity"] = True
    body["invoice_total"] = ["1000"]
    response = world.client(world.trader).post(
        "/api/v1/declarations/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    problem = response.json()
    assert problem["title"] == "Your request has problems; see errors for each field."
    assert problem["errors"]["items.0.quantity"] == ["Give a decimal number such as 1250.00."]
    assert problem["detail"] == "2 problems; the first: Give a decimal number such as 1250.00."
    unknown = APIClient().get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert unknown["title"] == "Not Found"
    assert unknown["detail"] == "There is no API endpoint at /api/v1/nowhere/; see /api/docs/."


def test_an_unknown_endpoint_answers_in_chinese(world):
    response = APIClient().get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 404
    body = response.json()
    assert body["title"] == "未找到"
    assert body["detail"] == "/api/v1/nowhere/ 处没有 API 接口；请参阅 /api/docs/。"
