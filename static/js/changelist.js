'use strict';
// The filter bar above a narrow list (changelist.css) opens one group on a click: every group
// open, as in the column beside a wide list, would push the results below the screen.
// Without scripts the groups stay open; the list fits its pane all the same.
{
    const list = document.getElementById('changelist');
    if (list && getComputedStyle(list).flexDirection === 'column') {
        list.querySelectorAll('#changelist-filter details').forEach(detail => { detail.open = false; });
    }
}
