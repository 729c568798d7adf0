from django.urls import reverse


def test_home_sends_each_person_to_their_work(org, lobby_user, auditor, outlet_user, login):
    assert login(lobby_user).get("/").url == reverse("standards:home")
    assert login(auditor).get("/").url == reverse("reporting:centre")
    assert login(outlet_user).get("/").url == reverse("admin:index")


def test_home_sends_a_visitor_to_sign_in(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
