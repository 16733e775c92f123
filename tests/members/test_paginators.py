import pytest

from members.models import Member
from members.paginators import LookaheadPaginator
from tests.factories import MemberFactory


def test_on_the_first_page_it_counts_five_pages_ahead_and_says_there_is_more() -> None:
    paginator = LookaheadPaginator(list(range(1000)), per_page=10)

    assert (paginator.count, paginator.known_count, paginator.has_more) == (
        51,
        50,
        True,
    )
    assert paginator.num_pages == 6
    assert list(paginator.get_elided_page_range(1)) == [1, 2, 3, 4, 5, 6, "…"]
    assert list(paginator.page(6).object_list) == [50]


def test_further_on_it_counts_from_the_current_page() -> None:
    paginator = LookaheadPaginator(list(range(1000)), per_page=10, page_number=40)

    assert (paginator.count, paginator.has_more) == (441, True)
    assert list(paginator.page(40).object_list) == list(range(390, 400))


def test_near_the_end_the_count_is_exact_and_nothing_more_is_announced() -> None:
    paginator = LookaheadPaginator(list(range(95)), per_page=10, page_number=8)

    assert (paginator.count, paginator.has_more) == (95, False)
    assert paginator.num_pages == 10
    assert list(paginator.get_elided_page_range(8))[-1] == 10


def test_a_page_number_that_is_not_a_number_counts_from_the_start() -> None:
    paginator = LookaheadPaginator(list(range(5)), per_page=10, page_number="x")

    assert (paginator.count, paginator.has_more) == (5, False)


@pytest.mark.django_db
def test_a_queryset_is_counted_with_one_bounded_query(
    django_assert_num_queries,
) -> None:
    MemberFactory.create_batch(7)
    paginator = LookaheadPaginator(Member.objects.order_by("-id"), per_page=2)

    with django_assert_num_queries(1) as captured:
        assert (paginator.count, paginator.has_more) == (7, False)

    assert "LIMIT 11" in captured.captured_queries[0]["sql"]
