from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("send/", views.send, name="send"),
    path("<id:message_id>/", views.message, name="message"),
    path("<id:message_id>/letter.pdf", views.letter, name="letter"),
    path("<id:message_id>/check/", views.resolve, name="resolve"),
    path("links/<id:link_id>/fresh/", views.fresh_link, name="fresh_link"),
    path("demo/texts/", views.demo_texts, name="demo_texts"),
    path("demo/mailbox/", views.demo_mailbox, name="demo_mailbox"),
    path("demo/mailbox/<id:email_id>/", views.demo_email, name="demo_email"),
    path("demo/mailbox/<id:email_id>/files/<id:number>/", views.demo_attachment, name="demo_attachment"),
]
