"""The cashier's counter page and the JSON endpoints its script calls."""

from django.urls import path

from points import views

app_name = "counter"

urlpatterns = [
    path("", views.counter_page, name="page"),
    path("store/", views.store_choose, name="store"),
    path("api/member/", views.api_member, name="member"),
    path("api/preview/", views.api_preview, name="preview"),
    path("api/purchase/", views.api_purchase, name="purchase"),
    path("api/refund/", views.api_refund, name="refund"),
]
