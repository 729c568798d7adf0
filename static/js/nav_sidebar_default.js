'use strict';
// Before the admin's nav_sidebar.js (deferred) reads it: on a tablet, whose lists do not fit
// beside the navigation sidebar, the sidebar starts closed. Once the person opens or closes
// it, their choice (kept by Django in localStorage) wins, as on every other screen.
if (localStorage.getItem('django.admin.navSidebarIsOpen') === null && window.innerWidth < 1200) {
    localStorage.setItem('django.admin.navSidebarIsOpen', 'false');
}
