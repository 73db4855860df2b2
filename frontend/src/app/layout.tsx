import { AppShell, Burger, Button, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense, useEffect } from 'react';
import { NavLink as RouterLink, Navigate, Outlet, useLocation, useNavigate } from 'react-router';

import { can, useMe, type Me } from '@/lib/auth';
import { useLogout } from '@/features/auth/api/login';
import { QueryState } from '@/components/query-state';
import { Center, Loader } from '@mantine/core';

import { takeSessionExpired } from './provider';

type NavItem = { to: string; label: string; show: (me: Me) => boolean };

const isMember = (me: Me) => me.member_id != null;
const isStaff = (me: Me) => !isMember(me) && can(me, 'claims:read');

// What each role sees in the menu; the server still checks every call.
export const NAV_ITEMS: NavItem[] = [
  { to: '/', label: 'Home', show: () => true },
  { to: '/claims', label: 'Claims', show: isStaff },
  { to: '/claims/new', label: 'New claim', show: (me) => can(me, 'claims:submit') },
  { to: '/edi/upload', label: 'Upload 837', show: (me) => can(me, 'edi:submit') },
  { to: '/remittances', label: 'Remittances', show: isStaff },
  { to: '/review', label: 'Review queue', show: (me) => can(me, 'claims:review') },
  { to: '/batches', label: 'Batches', show: (me) => can(me, 'batches:run') },
  { to: '/payment-cycles', label: 'Payment cycles', show: (me) => can(me, 'payments:run') },
  { to: '/reports', label: 'Dashboards', show: (me) => can(me, 'reports:read') },
  { to: '/my/claims', label: 'My claims', show: isMember },
  { to: '/my/coverage', label: 'Coverage', show: isMember },
  { to: '/my/access-log', label: 'Who looked', show: isMember },
  { to: '/admin/users', label: 'Users', show: (me) => can(me, 'users:manage') },
  { to: '/admin/tokens', label: 'API tokens', show: (me) => can(me, 'tokens:manage') },
  { to: '/admin/audit', label: 'Audit log', show: (me) => can(me, 'audit:read') },
  { to: '/admin/status', label: 'System status', show: (me) => can(me, 'users:manage') },
];

export function ProtectedLayout() {
  const me = useMe();
  const location = useLocation();
  return (
    <QueryState query={me} label="your session">
      {(user) =>
        user ? (
          <Shell me={user} />
        ) : (
          <Navigate
            to={`/login?${takeSessionExpired() ? 'expired=1&' : ''}next=${encodeURIComponent(location.pathname)}`}
            replace
          />
        )
      }
    </QueryState>
  );
}

function Shell({ me }: { me: Me }) {
  const [opened, { toggle, close }] = useDisclosure();
  const logout = useLogout();
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(close, [location.pathname, close]);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Open the menu" />
            <Text fw={700}>Askes</Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="xs">
              {me.display_name || me.username} ({me.role})
            </Text>
            <Button
              variant="default"
              size="xs"
              onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}
            >
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {NAV_ITEMS.filter((item) => item.show(me)).map((item) => (
          <NavLink
            key={item.to}
            component={RouterLink}
            to={item.to}
            end
            label={item.label}
            active={location.pathname === item.to}
            variant="filled"
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense
            fallback={
              <Center py="xl">
                <Loader aria-label="Loading the page" />
              </Center>
            }
          >
            <Outlet />
          </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
